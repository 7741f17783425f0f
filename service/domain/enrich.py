"""What the service computes for a template instead of trusting the requester to type it (schema
``x-vanban.enrich``): sorted and numbered student lists, result averages and classifications with their counts,
chapter and article numbering."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from service.domain.vietnamese import name_sort_key

CLASSIFICATIONS = (("Xuất sắc", 9.0), ("Giỏi", 8.0), ("Khá", 6.5), ("Trung bình", 5.0), ("Không đạt", 0.0))


def classify(average: float) -> str:
    """Xếp loại (classification) of an average score out of 10."""
    return next(name for name, floor in CLASSIFICATIONS if average >= floor)


def decimal_vi(value: float) -> str:
    """``8.5`` -> ``8,50``: two decimals with the Vietnamese decimal comma."""
    return f"{value:.2f}".replace(".", ",")


def sort_students(context: dict[str, Any]) -> None:
    """Danh sách học viên: sorted by given name, then middle, then family name."""
    context["students"] = sorted(context.get("students", []), key=lambda s: name_sort_key(s.get("full_name", "")))


def compute_results(context: dict[str, Any]) -> None:
    """Averages, classification per student, totals and the count per classification."""
    rows = []
    for row in context.get("results", []):
        scores = [float(s) for s in row.get("scores", [])]
        average = round(sum(scores) / len(scores), 2) if scores else 0.0
        rows.append(
            {**row, "average": average, "average_text": decimal_vi(average), "classification": classify(average)}
        )
    rows.sort(key=lambda r: name_sort_key(r.get("full_name", "")))
    count = len(rows)
    overall = round(sum(r["average"] for r in rows) / count, 2) if count else 0.0
    by_class = []
    for name, _ in CLASSIFICATIONS:
        n = sum(1 for r in rows if r["classification"] == name)
        by_class.append({"name": name, "count": n, "percent": decimal_vi(100 * n / count) if count else "0,00"})
    context["results"] = rows
    context["totals"] = {
        "count": count,
        "average": overall,
        "average_text": decimal_vi(overall),
        "by_classification": by_class,
    }


ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


def roman(n: int) -> str:
    out = ""
    for value, letters in ROMAN:
        while n >= value:
            out, n = out + letters, n - value
    return out


def number_articles(context: dict[str, Any]) -> None:
    """Chương I, II, ... and Điều 1, 2, ... numbered on through the chapters."""
    number = 0
    chapters = []
    for i, chapter in enumerate(context.get("chapters", []), start=1):
        articles = []
        for article in chapter.get("articles", []):
            number += 1
            articles.append({**article, "number": number})
        chapters.append({**chapter, "roman": roman(i), "articles": articles})
    context["chapters"] = chapters


def address_student(context: dict[str, Any]) -> None:
    """Danh xưng (salutation) of the student a letter is addressed to: Ông, Bà, or Ông/Bà when the gender is not
    given."""
    student = context.get("student")
    if isinstance(student, dict):
        salutation = {"Nam": "Ông", "Nữ": "Bà"}.get(str(student.get("gender")), "Ông/Bà")
        context["student"] = {**student, "salutation": salutation}


ENRICHERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "students": sort_students,
    "results": compute_results,
    "articles": number_articles,
    "salutation": address_student,
}

# Enrichers every template has without naming them (each does nothing where its data is absent): a shipped
# template's schema is part of its version, which the documents made with it recorded.
IMPLICIT = ("salutation",)


def enrichers_of(facts: dict[str, Any]) -> list[str]:
    """The enrichers a template's ``x-vanban`` facts call for, in order: those it names, then the implicit ones."""
    named = list(facts.get("enrich", []))
    return named + [name for name in IMPLICIT if name not in named]


def enrich(context: dict[str, Any], names: list[str]) -> None:
    for name in names:
        ENRICHERS[name](context)


# What each enricher computes, as data paths (``[]``: every item of a list): the template uses them, the requester
# never sends them, so neither a derived schema nor the check of a supplied one asks for them.
COMPUTES: dict[str, tuple[str, ...]] = {
    "students": (),
    "results": ("results[].average", "results[].average_text", "results[].classification", "totals"),
    "articles": ("chapters[].roman", "chapters[].articles[].number"),
    "salutation": ("student.salutation",),
}


def computed_paths(facts: dict[str, Any]) -> set[str]:
    """The data paths the enrichers of a template's ``x-vanban`` facts compute."""
    return {path for name in enrichers_of(facts) for path in COMPUTES.get(name, ())}
