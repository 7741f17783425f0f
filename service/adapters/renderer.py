"""Fills a .docx template (docxtpl) in a Jinja sandbox, with the Vietnamese format filters; reads what a template
uses (its placeholders, typed by their use) from Jinja's syntax tree of every part docxtpl fills."""

from __future__ import annotations

import copy
import functools
import re
import string
import threading
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from io import BytesIO
from typing import Any

from docx.image.exceptions import UnrecognizedImageError
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage, RichText, RichTextParagraph
from jinja2 import TemplateError, nodes, pass_environment, pass_eval_context
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import generate_lorem_ipsum
from lxml import etree

from service.domain import rich, vietnamese
from service.domain.placeholders import Inspection, Use
from service.errors import RenderError

FILTERS = {
    "date_dmy": vietnamese.date_dmy,
    "date_in_words": vietnamese.date_in_words,
    "time_and_date": vietnamese.time_and_date,
    "two_digits": vietnamese.two_digits,
    "number_in_words": vietnamese.number_in_words,
    "money_in_words": vietnamese.money_in_words,
    "thousands": vietnamese.thousands,
    "title_name": vietnamese.title_case_name,
    "slug": vietnamese.slug,
}


MAX_PRODUCT = 1_000_000  # characters or items a template may make by ``*``; a document is far smaller
MAX_WIDTH = MAX_PRODUCT  # the widest a padding, a format field or a filter may make one string
_PERCENT_FIELD = re.compile(r"%%|%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_WIDTH_METHODS = {"ljust", "rjust", "center", "zfill"}


def _too_wide(what: str) -> SecurityError:
    return SecurityError(f"{what} would make a string longer than {MAX_WIDTH} characters: refused")


def _check_percent(fmt: Any) -> None:
    """``fmt % x`` makes no string wider than MAX_WIDTH: no ``*`` width, no width or precision above it."""
    if isinstance(fmt, str):
        for field in _PERCENT_FIELD.finditer(fmt):
            if any(n == "*" or (n is not None and int(n) > MAX_WIDTH) for n in field.groups()):
                raise _too_wide(f"the format {field[0]!r}")


def _check_format(fmt: str) -> None:
    """``fmt.format(...)`` likewise: no width given by an argument, none above MAX_WIDTH."""
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return  # str.format refuses it itself
    for _, _, spec, _ in fields:
        if spec and ("{" in spec or any(int(n) > MAX_WIDTH for n in re.findall(r"\d+", spec))):
            raise _too_wide(f"the format field {{:{spec}}}")


def _check_width(what: str, *sizes: Any) -> None:
    if sum(n for n in sizes if isinstance(n, int)) > MAX_WIDTH:
        raise _too_wide(what)


def _check_replace(text: str, old: Any, new: Any, count: Any = -1) -> None:
    if isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
        times = text.count(old) if old else len(text) + 1
        if isinstance(count, int) and count >= 0:
            times = min(times, count)
        _check_width("replace", len(text), times * (len(new) - len(old)))


def _bounded_filters() -> dict[str, Any]:
    """Jinja's filters (and its global ``lipsum``) that make strings or lists from a size, refusing a result
    above MAX_WIDTH."""
    base = SandboxedEnvironment().filters

    def center(value: Any, width: int = 80) -> Any:
        _check_width("center", width)
        return base["center"](value, width)

    def indent(s: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> Any:
        step = width if isinstance(width, int) else len(str(width))
        _check_width("indent", len(str(s)), (str(s).count("\n") + 1) * step)
        return base["indent"](s, width, first, blank)

    def wordwrap(environment: Any, s: Any, width: int = 79, *args: Any, **kwargs: Any) -> Any:
        wrapstring = kwargs.get("wrapstring", args[1] if len(args) > 1 else None) or environment.newline_sequence
        _check_width("wordwrap", len(str(s)) * (1 + len(str(wrapstring))))
        return base["wordwrap"](environment, s, width, *args, **kwargs)

    def truncate(environment: Any, s: Any, length: int = 255, *args: Any, **kwargs: Any) -> Any:
        _check_width("truncate", length)
        return base["truncate"](environment, s, length, *args, **kwargs)

    def format_(value: Any, *args: Any, **kwargs: Any) -> Any:
        _check_percent(value)
        return base["format"](value, *args, **kwargs)

    def replace(eval_ctx: Any, s: Any, old: Any, new: Any, count: Any = None) -> Any:
        _check_replace(str(s), str(old), str(new), -1 if count is None else count)
        return base["replace"](eval_ctx, s, old, new, count)

    def batch(value: Any, linecount: int, fill_with: Any = None) -> Any:
        _check_width("batch", linecount)
        return base["batch"](value, linecount, fill_with)

    def slice_(value: Any, slices: int, fill_with: Any = None) -> Any:
        _check_width("slice", slices)
        return base["slice"](value, slices, fill_with)

    def lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> Any:
        _check_width("lipsum", n * max * 16 if isinstance(n, int) and isinstance(max, int) else 0)
        return generate_lorem_ipsum(n, html, min, max)

    wordwrap = pass_environment(wordwrap)
    truncate = pass_environment(truncate)
    replace = pass_eval_context(replace)
    return {"center": center, "indent": indent, "wordwrap": wordwrap, "truncate": truncate, "format": format_,
            "replace": replace, "batch": batch, "slice": slice_, "lipsum": lipsum}  # fmt: skip


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, with ``**``, ``*`` and ``%`` bounded: ``{{ 9**9**9 }}``, ``{{ "x" * 10**9 }}`` or
    ``{{ "%0200000000d" % 1 }}`` in an uploaded template would otherwise hang or exhaust the worker (Jinja even
    folds such constants while compiling; an intercepted operator is never folded). String methods and filters
    that pad or repeat (``ljust``, ``format``, ``center``, ``indent``, ...) are bounded the same way."""

    intercepted_binops = frozenset({"**", "*", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "%":
            _check_percent(left)
            return left % right
        if operator == "**":
            if (isinstance(right, (int, float)) and abs(right) > 64) or (isinstance(left, int) and abs(left) > 2**64):
                raise SecurityError("a power this large is refused")
            return left**right
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_PRODUCT:
                raise SecurityError(f"a repetition longer than {MAX_PRODUCT} is refused")
        return left * right

    def wrap_str_format(self, value: Any) -> Any:
        text = getattr(value, "__self__", None)
        if isinstance(text, str) and getattr(value, "__name__", "") in ("format", "format_map"):
            _check_format(text)
        return super().wrap_str_format(value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        text, name = getattr(__obj, "__self__", None), getattr(__obj, "__name__", "")
        if isinstance(text, str):
            if name == "expandtabs":
                size = args[0] if args else kwargs.get("tabsize", 8)
                _check_width(name, len(text), text.count("\t") * size if isinstance(size, int) else 0)
            elif name in _WIDTH_METHODS:  # the result is as wide as the width asked, or the text
                _check_width(name, args[0] if args else kwargs.get("width"))
            elif name == "replace":
                _check_replace(text, *args, **kwargs)
        return super().call(__context, __obj, *args, **kwargs)


class _Kept(_Sandbox):
    """The sandbox that fills documents, keeping what it compiled: a template's parts are the same source at every
    render, and compiling them is half of a one-page letter's render. Up to ``KEPT_SOURCES`` sources of at most
    ``KEPT_CHARACTERS`` characters in all are kept, the least recently used forgotten first."""

    def __init__(self) -> None:
        super().__init__(autoescape=False)
        self._kept: OrderedDict[str, Any] = OrderedDict()
        self._characters = 0
        self._lock = threading.Lock()

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        with self._lock:
            template = self._kept.get(source)
            if template is not None:
                self._kept.move_to_end(source)
                return template
        template = super().from_string(source)
        with self._lock:
            if source not in self._kept and len(source) <= KEPT_CHARACTERS:
                self._kept[source] = template
                self._characters += len(source)
                while len(self._kept) > KEPT_SOURCES or self._characters > KEPT_CHARACTERS:
                    self._characters -= len(self._kept.popitem(last=False)[0])
        return template


KEPT_SOURCES = 256
KEPT_CHARACTERS = 64 * 1_048_576


def _environment(kept: bool = False) -> SandboxedEnvironment:
    env = _Kept() if kept else _Sandbox(autoescape=False)
    bounded = _bounded_filters()
    env.globals["lipsum"] = bounded.pop("lipsum")
    env.filters.update(bounded)
    env.filters.update(FILTERS)
    return env


_FILLING = _environment(kept=True)


MAX_UNCOMPRESSED = 30 * 1_048_576  # a .docx of official documents is a few hundred KiB unpacked
MAX_ENTRIES = 2000
MAX_RATIO = 200  # a zip bomb packs a thousand times and more


_ENDNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"
_COMMENTS = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
# docxtpl renders these core properties (DocxTemplate.render_properties)
PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_JINJA_TAG = re.compile(r"(?<=\{[\{%])(.*?)(?=[\}%]\})", re.DOTALL)
_ENTITIES = {"&amp;": "&", "&quot;": '"', "&apos;": "'"}


_REVISION = re.compile(r"<(?:[\w.-]+:)?(?:ins|del|moveFrom|moveTo|cellIns|cellDel|\w+Change)[\s>/]")
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{W}}}"
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_MARKERS = {f"{_W}rPr", f"{_W}trPr", f"{_W}tcPr", f"{_W}pPr"}  # where ins/del mark a paragraph mark, row or cell


def _accepted(src_xml: str) -> str:
    """A part's XML with its tracked changes accepted, as Word's "Accept All Changes" does: deleted and moved-away
    text gone with its placeholders (a template edited with Track Changes on asks no data for what it deleted),
    inserted and moved-in text kept as plain text, earlier formatting dropped; a paragraph whose mark was deleted
    joins the next one, a deleted table row goes, and a table left without rows. A part with none is returned as
    it is."""
    if not _REVISION.search(src_xml):
        return src_xml
    root = etree.fromstring(src_xml.encode(), _SAFE_XML)
    removed, joined = (f"{_W}del", f"{_W}moveFrom"), []
    for element in list(root.iter(*removed, f"{_W}ins", f"{_W}moveTo")):
        parent = element.getparent()
        if parent is None:
            continue
        holder = parent.getparent()
        if parent.tag in _MARKERS and element.tag in removed and holder is not None:
            if parent.tag == f"{_W}trPr":  # a deleted row
                _drop(holder)
                continue
            if parent.tag == f"{_W}rPr" and holder.tag == f"{_W}pPr":  # a deleted paragraph mark
                joined.append(holder.getparent())
        if parent.tag in _MARKERS or element.tag in removed:
            parent.remove(element)
        else:  # inserted or moved here: its content takes its place
            at = parent.index(element)
            parent[at : at + 1] = list(element)
    for paragraph in joined:
        following = paragraph.getnext() if paragraph is not None else None
        if following is not None and following.tag == f"{_W}p":
            at = 1 if len(following) and following[0].tag == f"{_W}pPr" else 0
            following[at:at] = [child for child in paragraph if child.tag != f"{_W}pPr"]
            _drop(paragraph)
    ranges = ("moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd", "cellIns", "cellDel")
    for element in [
        e for e in root.iter() if isinstance(e.tag, str) and e.tag.startswith(_W) and e.tag.endswith("Change")
    ]:
        _drop(element)
    for element in [e for name in ranges for e in root.iter(f"{_W}{name}")]:
        _drop(element)
    for table in [t for t in root.iter(f"{_W}tbl") if t.find(f"{_W}tr") is None]:
        _drop(table)
    return str(etree.tostring(root, encoding="unicode"))


def _accepted_docx(docx: bytes) -> bytes:
    """A .docx sent whole (included as it is) with the tracked changes of its text accepted, as a template's are:
    LibreOffice printed text deleted inside an insertion, and the filled document kept the marks."""
    with zipfile.ZipFile(BytesIO(docx)) as source:
        body = source.read("word/document.xml").decode("utf-8")
        accepted = _accepted(body)
        if accepted is body:
            return docx
        out = BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                part = accepted.encode() if item.filename == "word/document.xml" else source.read(item.filename)
                target.writestr(item, part)
    return out.getvalue()


def _drop(element: Any) -> None:
    if (parent := element.getparent()) is not None:
        parent.remove(element)


def _patch(src_xml: str) -> str:
    """docxtpl's clean-up of a part's XML into Jinja source, then the literals unescaped once (see ``_Template``);
    its tracked changes accepted first."""
    xml = DocxTemplate.patch_xml(None, _accepted(src_xml))
    return str(_JINJA_TAG.sub(lambda m: re.sub(r"&(amp|quot|apos);", lambda e: _ENTITIES[e.group()], m[0]), xml))


_patch_kept = functools.lru_cache(maxsize=64)(_patch)


def _patched(src_xml: str) -> str:
    """``_patch``, kept for parts up to a megabyte: a dozen regular expressions over the whole part, with the same
    result at every render of a template."""
    return _patch_kept(src_xml) if len(src_xml) <= 1_048_576 else _patch(src_xml)


_LISTING = re.compile(r"<w:t(?: [^>]*)?>[^<]*[\t\n\a\f]")


class _Template(DocxTemplate):  # type: ignore[misc]
    """docxtpl's template with two fixes: a literal written in the template (``{{ "A&B" }}``) is escaped once,
    not twice (Word stores it as ``A&amp;B``); endnotes and comments are filled like footnotes."""

    def patch_xml(self, src_xml: str) -> str:
        return _patched(src_xml)

    def resolve_listing(self, xml: str) -> str:
        """docxtpl's, where a text holds a character it turns into a tab or a break (``\\t \\n \\a \\f``); a part
        with none is left as it is: its regular expressions over every paragraph and run were half of the render
        of a chunk of letters."""
        return str(DocxTemplate.resolve_listing(self, xml)) if _LISTING.search(xml) else xml

    def render_footnotes(self, context: dict[str, Any], jinja_env: Any = None) -> None:
        super().render_footnotes(context, jinja_env)
        for part in self.docx.part.package.parts:
            if part.content_type in (_ENDNOTES, _COMMENTS):
                xml = self.patch_xml(_part_xml(part))
                xml = self.render_xml_part(xml, part, context, jinja_env)
                if isinstance(part, XmlPart):
                    part._element = parse_xml(xml.encode())
                else:
                    part._blob = xml.encode()


def _part_xml(part: Any) -> str:
    if isinstance(part, XmlPart):
        return str(etree.tostring(part.element, encoding="unicode"))
    blob = part.blob
    return blob.decode("utf-8") if isinstance(blob, bytes) else str(blob)


# -- what a template uses --------------------------------------------------------------------------------------
_NUMBER_FILTERS = {"round", "abs", "thousands", "number_in_words", "money_in_words", "two_digits", "filesizeformat"}
_DATE_FILTERS = {"date_dmy", "date_in_words"}
_TEXT_FILTERS = {
    "upper", "lower", "title", "capitalize", "trim", "title_name", "slug", "replace", "truncate", "wordwrap",
    "center", "striptags", "indent", "wordcount", "urlencode",
}  # fmt: skip
_SEQUENCE_FILTERS = {"join", "sort", "first", "last", "reverse", "unique", "sum", "map", "selectattr", "rejectattr",
                     "batch", "slice", "groupby", "min", "max", "random"}  # fmt: skip
_KEEPS_SEQUENCE = {"sort", "reverse", "unique", "list", "selectattr", "rejectattr", "select", "reject"}
_DICT_METHODS = {"items", "keys", "values", "get"}
_STR_METHODS = {
    "upper", "lower", "title", "capitalize", "strip", "lstrip", "rstrip", "replace", "split", "startswith",
    "endswith", "format", "zfill", "center", "ljust", "rjust", "count", "find", "join", "splitlines",
}  # fmt: skip
_MARKS = {"__vanban_rich": "rich", "__vanban_paragraphs": "paragraphs"}
# A picture is told by its name: these words alone, or the English ones and a few unambiguous Vietnamese ones at
# the end (``student_photo``, ``anh_the``); never ``hinh_thuc`` (hình thức) or ``ten_anh``.
_IMAGE_NAME = re.compile(
    r"^(image|img|picture|photo|logo|anh|hinh|hinh_anh|anh_the|chan_dung|con_dau|seal)(_?\d+)?$"
    r"|_(image|img|picture|photo|logo|hinh_anh|anh_the|chan_dung|con_dau|seal)(_?\d+)?$",
    re.IGNORECASE,
)


class _Scope(dict[str, Use | None]):
    """Names bound inside the template (loop variables, ``set``, macro arguments): not placeholders."""


class _Uses:
    """Walks Jinja's syntax tree of one part and records how each placeholder is used."""

    def __init__(self, env: SandboxedEnvironment, found: Inspection) -> None:
        self.env, self.found = env, found

    def path(self, node: nodes.Node, scope: _Scope) -> Use | None:
        """The use of a data path (``a``, ``a.b``, ``a['b']``, ``a[0]``), or None for anything else."""
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            if node.name in self.env.globals:
                return None
            return self.found.placeholders.setdefault(node.name, Use())
        if isinstance(node, nodes.Getattr):
            base = self.path(node.node, scope)
            return base.attribute(node.attr) if base is not None else None
        if isinstance(node, nodes.Getitem):
            base = self.path(node.node, scope)
            if base is None:
                self.expr(node.arg, scope)
                return None
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                return base.attribute(node.arg.value)
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, int):
                return base.items()
            self.expr(node.arg, scope)
            return None
        return None

    def expr(self, node: nodes.Node, scope: _Scope, hint: str = "any", tested: bool = False) -> None:
        use = self.path(node, scope)
        if use is not None:
            use.refine(hint)
            use.optional |= tested
            return
        if isinstance(node, nodes.Filter):
            self.filter(node, scope, hint, tested)
        elif isinstance(node, nodes.Test):
            inner = self.path(node.node, scope)
            if inner is not None and node.name in ("defined", "undefined", "none"):
                inner.optional = True
            elif inner is None:
                self.expr(node.node, scope)
            self.walk_all(node.args + [kw.value for kw in node.kwargs], scope)
        elif isinstance(node, nodes.Call):
            self.call(node, scope)
        elif isinstance(node, nodes.Add):
            text = any(
                isinstance(side, nodes.Const) and isinstance(side.value, str) for side in (node.left, node.right)
            )
            for side in (node.left, node.right):
                self.expr(side, scope, "text" if text else "number")
        elif isinstance(node, (nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Pow)):
            self.expr(node.left, scope, "number")
            self.expr(node.right, scope, "number")
        elif isinstance(node, (nodes.Neg, nodes.Pos)):
            self.expr(node.node, scope, "number")
        elif isinstance(node, nodes.Compare):
            operands = [node.expr, *(op.expr for op in node.ops)]
            numeric = any(isinstance(o, nodes.Const) and isinstance(o.value, (int, float)) for o in operands)
            membership = any(op.op in ("in", "notin") for op in node.ops)
            for o in operands:
                self.expr(o, scope, "number" if numeric and not membership else "any")
        elif isinstance(node, (nodes.And, nodes.Or)):
            self.expr(node.left, scope, tested=tested)
            self.expr(node.right, scope, tested=tested)
        elif isinstance(node, nodes.Not):
            self.expr(node.node, scope, tested=tested)
        elif isinstance(node, nodes.CondExpr):
            self.expr(node.test, scope, tested=True) if node.test is not None else None
            self.expr(node.expr1, scope, hint)
            if node.expr2 is not None:
                self.expr(node.expr2, scope, hint)
        else:
            self.walk_all(list(node.iter_child_nodes()), scope)

    def walk_all(self, children: Sequence[nodes.Node], scope: _Scope) -> None:
        for child in children:
            if isinstance(child, nodes.Expr):
                self.expr(child, scope)
            else:
                self.stmt(child, scope)

    def filter(self, node: nodes.Filter, scope: _Scope, hint: str, tested: bool) -> None:
        name = node.name
        if name not in self.env.filters and name not in _MARKS:
            self.found.unknown_filters.add(name)
        self.walk_all(node.args + [kw.value for kw in node.kwargs], scope)
        if node.node is None:
            return
        inner = _MARKS.get(name) or (
            "number" if name in _NUMBER_FILTERS
            else "date" if name in _DATE_FILTERS
            else "datetime" if name == "time_and_date"
            else "text" if name in _TEXT_FILTERS
            else "array" if name in _SEQUENCE_FILTERS
            else "any"
        )  # fmt: skip
        if name in ("default", "d"):
            self.expr(node.node, scope, hint, tested=True)
        elif name == "date_in_words":  # a draft has no date yet: the filter prints blanks for None
            self.expr(node.node, scope, inner, tested=True)
        else:
            self.expr(node.node, scope, inner, tested)

    def call(self, node: nodes.Call, scope: _Scope) -> None:
        self.walk_all(node.args + [kw.value for kw in node.kwargs], scope)
        target = node.node
        if isinstance(target, nodes.Getattr):
            base = self.path(target.node, scope)
            if base is None:
                self.expr(target.node, scope)
            elif target.attr in _DICT_METHODS:
                base.refine("object")
            elif target.attr in _STR_METHODS:
                base.refine("text")
            else:
                self.found.called.add(_dotted(target))
            return
        if isinstance(target, nodes.Name):
            if target.name not in scope and target.name not in self.env.globals:
                self.found.called.add(target.name)
            return
        self.expr(target, scope)

    def iterable(self, node: nodes.Node, scope: _Scope) -> Use | None:
        """The use of each item of what a ``for`` loops over (None: not data, or a mapping's items)."""
        while isinstance(node, nodes.Filter) and node.name in _KEEPS_SEQUENCE and node.node is not None:
            self.walk_all(node.args + [kw.value for kw in node.kwargs], scope)
            node = node.node
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr) and not node.args:
            base = self.path(node.node.node, scope)
            if base is not None and node.node.attr in _DICT_METHODS:
                base.refine("object")
                return None
        use = self.path(node, scope)
        if use is None:
            self.expr(node, scope)
            return None
        return use.items()

    def stmt(self, node: nodes.Node, scope: _Scope) -> None:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    self.output(child, scope)
        elif isinstance(node, nodes.For):
            item = self.iterable(node.iter, scope)
            inner = _Scope(scope)
            inner["loop"] = None
            for name in _names(node.target):
                inner[name.name] = item if isinstance(node.target, nodes.Name) else None
            if node.test is not None:
                self.expr(node.test, inner)
            self.walk_all(node.body, inner)
            self.walk_all(node.else_, scope)
        elif isinstance(node, nodes.If):
            self.expr(node.test, scope, tested=True)
            self.walk_all(node.body, scope)
            for elif_ in node.elif_:
                self.stmt(elif_, scope)
            self.walk_all(node.else_, scope)
        elif isinstance(node, (nodes.Assign, nodes.AssignBlock)):
            if isinstance(node, nodes.Assign):
                self.expr(node.node, scope)
            else:
                self.walk_all(node.body, scope)
            for name in _names(node.target):
                scope[name.name] = None
        elif isinstance(node, nodes.With):
            inner = _Scope(scope)
            for target, value in zip(node.targets, node.values, strict=False):
                alias = self.path(value, scope)
                if alias is None:
                    self.expr(value, scope)
                for name in _names(target):
                    inner[name.name] = alias if isinstance(target, nodes.Name) else None
            self.walk_all(node.body, inner)
        elif isinstance(node, nodes.Macro):
            scope[node.name] = None
            inner = _Scope(scope)
            for arg in node.args:
                inner[arg.name] = None
            inner.update(varargs=None, kwargs=None, caller=None)
            self.walk_all(node.defaults, scope)
            self.walk_all(node.body, inner)
        elif isinstance(node, (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
            self.found.warnings.append("include/import/extends need other template files: not available here")
        else:
            self.walk_all(list(node.iter_child_nodes()), scope)

    def output(self, node: nodes.Node, scope: _Scope) -> None:
        use = self.path(node, scope)
        if use is None:
            self.expr(node, scope, "text")
            return
        leaf = node.attr if isinstance(node, nodes.Getattr) else getattr(node, "name", "")
        use.refine("image" if use.kind == "any" and _IMAGE_NAME.search(str(leaf)) else "text")


def _names(target: nodes.Node) -> list[nodes.Name]:
    """The names an assignment target binds (``x``, or ``k, v``)."""
    return [target] if isinstance(target, nodes.Name) else list(target.find_all(nodes.Name))


def _dotted(node: nodes.Node) -> str:
    if isinstance(node, nodes.Getattr):
        return f"{_dotted(node.node)}.{node.attr}"
    if isinstance(node, nodes.Name):
        return node.name
    return "?"


def _strip_tags_in_jinja(xml: str) -> str:
    """docxtpl's first cleaning: Word's tags split inside ``{{ }}`` / ``{% %}`` removed, so the prefix shows."""
    xml = re.sub(r"(?<={)(<[^>]*>)+(?=[\{%\#])|(?<=[%\}\#])(<[^>]*>)+(?=\})", "", xml, flags=re.DOTALL)
    return re.sub(
        r"{%(?:(?!%}).)*|{#(?:(?!#}).)*|{{(?:(?!}}).)*",
        lambda m: re.sub("</w:t>.*?(<w:t>|<w:t [^>]*>)", "", m[0], flags=re.DOTALL),
        xml,
        flags=re.DOTALL,
    )


def _marked(template: _Template, xml: str) -> str:
    """A part's Jinja source, ``{{r x}}``/``{{p x}}`` marked as ``{{ (x)|__vanban_rich }}`` for the analysis; its
    tracked changes accepted first, as when it is filled."""
    xml = _strip_tags_in_jinja(_accepted(xml))
    xml = re.sub(r"{{r\s(.*?)}}", r"{{ (\1)|__vanban_rich }}", xml, flags=re.DOTALL)
    xml = re.sub(r"{{p\s(.*?)}}", r"{{ (\1)|__vanban_paragraphs }}", xml, flags=re.DOTALL)
    return str(template.patch_xml(xml))


def _sources(template: _Template) -> list[tuple[str, str]]:
    """Every part docxtpl fills, as ``(where, Jinja source)``: body, headers, footers, notes, comments,
    core properties."""
    docx = template.get_docx()
    out = [("body", _marked(template, template.xml_to_string(docx.element.body)))]
    for rel in docx.part.rels.values():
        if rel.reltype in (template.HEADER_URI, template.FOOTER_URI) and rel.target_part.blob:
            where = "header" if rel.reltype == template.HEADER_URI else "footer"
            out.append((where, _marked(template, template.xml_to_string(parse_xml(rel.target_part.blob)))))
    kinds = {_FOOTNOTES: "footnotes", _ENDNOTES: "endnotes", _COMMENTS: "comments"}
    for part in docx.part.package.parts:
        if part.content_type in kinds:
            out.append((kinds[part.content_type], _marked(template, _part_xml(part))))
    for name in PROPERTIES:
        value = getattr(docx.core_properties, name)
        if value:
            out.append((f"property {name}", value))
    return out


def _check_zip(docx: bytes) -> None:
    try:
        with zipfile.ZipFile(BytesIO(docx)) as archive:
            entries = archive.infolist()
            total = sum(e.file_size for e in entries)
            if len(entries) > MAX_ENTRIES or total > MAX_UNCOMPRESSED:
                raise RenderError(
                    f"the .docx unpacks to {total} bytes in {len(entries)} parts; the limit is {MAX_UNCOMPRESSED} "
                    f"bytes and {MAX_ENTRIES} parts",
                    f"Tệp .docx giải nén ra {total} byte trong {len(entries)} phần, vượt giới hạn",
                )
            for e in entries:
                if e.compress_size and e.file_size / e.compress_size > MAX_RATIO and e.file_size > 1_048_576:
                    raise RenderError(
                        f"part {e.filename} expands {e.file_size // e.compress_size}x: refused as a zip bomb",
                        f"Phần {e.filename} giải nén gấp {e.file_size // e.compress_size} lần: nghi tệp nén độc hại",
                    )
            if "word/document.xml" not in archive.namelist():
                raise RenderError(
                    "not a Word document: word/document.xml is missing", "Không phải tệp Word: thiếu word/document.xml"
                )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError) as exc:
        raise RenderError(f"not a .docx file: {exc}", f"Không phải tệp .docx: {exc}") from None


SIGNATURE_MARK = "[[sig:leader]]"
"""Where the leader signs, in a template's body (``templates_docx/build.py`` writes it white, 1 pt)."""


_IN_MEMORY = re.compile(r"'<_io\.BytesIO object at 0x[0-9a-f]+>' ?")


def _said(exc: Exception) -> str:
    """What a library said of a file, without its name for a file held in memory (``<_io.BytesIO object at ...>``)."""
    return _IN_MEMORY.sub("", str(exc))


def inspect_docx(docx: bytes) -> Inspection:
    """Check an uploaded .docx is a sane Word file (no zip bomb, no broken zip, a body, Jinja that parses) and
    return what it uses: every placeholder of every part docxtpl fills, typed by its use."""
    _check_zip(docx)
    env = _environment()
    found = Inspection({})
    uses = _Uses(env, found)
    try:
        template = _Template(BytesIO(docx))
        sources = _sources(template)
        margins = [(where, text) for where, text in sources if where in ("header", "footer")]
        shared = sorted({where for where, text in margins if "{{" in text or "{%" in text})
        placed = sorted({where for where, text in margins if SIGNATURE_MARK in text})
        if placed:
            found.warnings.append(
                f"the signature mark {SIGNATURE_MARK} is in the {' and '.join(placed)}, where it is not looked for: put"
                " it in the body's signing block, or the organisation's signature is invisible"
            )
        if shared:
            found.warnings.append(
                f"the {' and '.join(shared)} hold placeholders: the letters of a batch made from a class list share one"
                f" {' and '.join(shared)}, where a value that differs from letter to letter (the student, the"
                " number, the date) is left empty"
            )
        imported = sorted({where for where, text in sources if rich.ALT_CHUNK.search(text.encode())})
        if imported:
            raise RenderError(
                f"content kept in another part (altChunk: HTML or a document a program merged in) is in the"
                f" {' and '.join(imported)}; LibreOffice does not print it: paste it into the document itself",
                f"Mẫu ({', '.join(imported)}) chứa nội dung lưu ở phần khác (altChunk: HTML hoặc văn bản do chương"
                " trình ghép vào), LibreOffice không in ra: hãy dán nội dung đó vào chính văn bản",
            )
        for where, source in sources:
            try:
                uses.walk_all(env.parse(source).body, _Scope())
            except TemplateError as exc:
                raise RenderError(
                    f"the placeholders of the {where} do not parse: {exc}",
                    f"Trường dữ liệu trong mẫu ({where}) sai cú pháp: {exc}",
                ) from None
    except RecursionError:
        raise RenderError("the template nests too deeply", "Mẫu lồng nhau quá sâu") from None
    except (KeyError, ValueError, TypeError, AttributeError, etree.XMLSyntaxError, zipfile.BadZipFile, zlib.error,
            NotImplementedError) as exc:  # fmt: skip
        raise RenderError(f"the .docx is damaged: {_said(exc)}", f"Tệp .docx bị hỏng: {_said(exc)}") from None
    for name, use in found.placeholders.items():
        if use.conflicts:
            found.warnings.append(f"{name} is used both as {use.kind} and as {', '.join(sorted(use.conflicts))}")
    return found


def refuse_unusable(found: Inspection) -> None:
    """What makes a template unusable whatever the data: a placeholder called like a function, a filter that
    does not exist."""
    if found.called:
        names = ", ".join(sorted(found.called))
        raise RenderError(
            f"the template calls the placeholder(s) {names} like a function; data cannot be called",
            f"Mẫu gọi trường dữ liệu {names} như một hàm; dữ liệu không thể gọi được",
        )
    if found.unknown_filters:
        names = ", ".join(sorted(found.unknown_filters))
        raise RenderError(
            f"the template uses filter(s) this service does not have: {names}",
            f"Mẫu dùng bộ lọc không có trong hệ thống: {names}",
        )


# -- filling ---------------------------------------------------------------------------------------------------
_RUN_STYLES = ("bold", "italic", "underline", "strike", "color", "highlight", "font", "superscript", "subscript")


def _run_into(tpl: _Template, out: RichText, run: rich.Run) -> None:
    """One run of rich text, its styles by docxtpl's own names; Word counts sizes in half-points."""
    styles = {name: getattr(run, name) for name in _RUN_STYLES}
    size = round(run.size * 2) if run.size else None
    out.add(run.text, size=size, url_id=tpl.build_url_id(run.url) if run.url else None, **styles)


def _rich_text(tpl: _Template, runs: tuple[rich.Run, ...]) -> RichText:
    out = RichText()
    for run in runs:
        _run_into(tpl, out, run)
    return out


def docxtpl_value(tpl: DocxTemplate, value: Any, depth: int = 0) -> Any:
    """``value`` with the rich values of ``service.domain.rich`` made into docxtpl's objects for ``tpl``."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, dict):
        return {k: docxtpl_value(tpl, v, depth) for k, v in value.items()}
    if isinstance(value, list):
        return [docxtpl_value(tpl, v, depth) for v in value]
    if isinstance(value, rich.RichText):
        return _rich_text(tpl, value.runs)
    if isinstance(value, rich.Paragraphs):
        paragraphs = RichTextParagraph()
        for p in value.paragraphs:
            paragraphs.add(_rich_text(tpl, p.runs), parastyle=p.style)
        return paragraphs
    if isinstance(value, rich.Image):
        width = Mm(value.width_mm) if value.width_mm else None
        height = Mm(value.height_mm) if value.height_mm else None
        return InlineImage(tpl, BytesIO(value.data), width=width, height=height)
    if isinstance(value, rich.SubDocument):
        if depth > 4:
            raise RenderError("documents included more than 4 deep", "Văn bản lồng nhau quá 4 cấp")
        _check_zip(value.docx)
        docx = (
            _accepted_docx(value.docx) if value.context is None else render_docx(value.docx, value.context, depth + 1)
        )
        try:
            return tpl.new_subdoc(BytesIO(docx))
        except (KeyError, ValueError, TypeError, AttributeError, etree.XMLSyntaxError, zipfile.BadZipFile) as exc:
            raise RenderError(
                f"the included .docx is damaged: {_said(exc)}", f"Tệp .docx đưa vào bị hỏng: {_said(exc)}"
            ) from None
    return value


def render_docx(template: bytes, context: dict[str, Any], depth: int = 0) -> bytes:
    """Fill ``template`` with ``context`` (rich values of ``service.domain.rich`` allowed); returns the .docx."""
    doc = _Template(BytesIO(template))
    try:
        doc.init_docx()
        doc.render(docxtpl_value(doc, context, depth), jinja_env=_FILLING, autoescape=True)
    except SecurityError as exc:
        raise RenderError(
            f"the template tried something the sandbox forbids: {exc}",
            f"Mẫu văn bản thực hiện thao tác bị cấm: {exc}",
        ) from None
    except TemplateError as exc:
        raise RenderError(f"the template cannot be filled: {exc}", f"Không điền được mẫu văn bản: {exc}") from None
    except RecursionError:
        raise RenderError(
            "the template recurses without end (a macro calling itself?)", "Mẫu văn bản gọi đệ quy không dừng"
        ) from None
    except UnrecognizedImageError as exc:
        raise RenderError(f"a picture cannot be read: {exc}", f"Không đọc được ảnh: {exc}") from None
    except (TypeError, ValueError, AttributeError, LookupError, ArithmeticError) as exc:  # e.g. {{ text(x) }}
        try:
            called = ", ".join(sorted(inspect_docx(template).called))
        except RenderError:  # naming them is a courtesy; the error stands without it
            called = ""
        said = f"{type(exc).__name__}: {exc}"
        raise RenderError(
            f"the template cannot be filled ({said})" + (f"; placeholder(s) called: {called}" if called else ""),
            f"Không điền được mẫu văn bản ({getattr(exc, 'message_vi', said)})"
            + (f"; trường dữ liệu bị gọi như hàm: {called}" if called else ""),
        ) from None
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def _paragraph(text: str | None = None, page_break: bool = False) -> etree._Element:
    p = etree.Element(f"{{{W}}}p")
    run = etree.SubElement(p, f"{{{W}}}r")
    if page_break:
        etree.SubElement(run, f"{{{W}}}br").set(f"{{{W}}}type", "page")
    else:
        etree.SubElement(run, f"{{{W}}}t").text = text
    return p


BOOKMARKS = "Vanban"
"""The names of the bookmarks :func:`render_many` adds (letters and digits only: LibreOffice writes any other
character of a bookmark's name into its PDF destination's name as a hex code). A template's own bookmarks with
such names are dropped, so that none is taken for one of ours."""
LETTER_BOOKMARK = BOOKMARKS + "Letter"
"""``VanbanLetter<i>``: where the i-th letter (0-based) starts, on a paragraph of ours a twentieth of a point tall."""
MARK_BOOKMARK = BOOKMARKS + "Sig"
"""``VanbanSig<i>x<k>``: the k-th signature mark of the template in the i-th letter (in the template's order: the
last one the letter shows is its mark), at the mark's first character."""
_LETTER = "__vanban_letter"  # the letter's index, bound once: a template's own loop has a ``loop`` of its own
_T = f"{{{W}}}t"
_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _bookmark(at: etree._Element, name: str, number: str) -> None:
    """A bookmark ``name`` just before ``at`` and ending after it; ``name`` and ``number`` (its id) are Jinja,
    filled per letter."""
    start, end = etree.Element(f"{{{W}}}bookmarkStart"), etree.Element(f"{{{W}}}bookmarkEnd")
    start.set(f"{{{W}}}id", number)
    start.set(f"{{{W}}}name", name)
    end.set(f"{{{W}}}id", number)
    at.addprevious(start)
    at.addnext(end)


def _drop_our_names(root: etree._Element) -> None:
    ids = set()
    for start in list(root.iter(f"{{{W}}}bookmarkStart")):
        if (start.get(f"{{{W}}}name") or "").startswith(BOOKMARKS):
            ids.add(start.get(f"{{{W}}}id"))
            start.getparent().remove(start)
    for end in list(root.iter(f"{{{W}}}bookmarkEnd")):
        if end.get(f"{{{W}}}id") in ids:
            end.getparent().remove(end)


def _split_run(t: etree._Element, at: int) -> etree._Element:
    """The run of ``t`` cut before character ``at`` of its text (the part before in a run of its own, with the same
    properties); returns the run that now starts at that character."""
    run = t.getparent()
    if at == 0 and all(c.tag == f"{{{W}}}rPr" for c in t.itersiblings(preceding=True)):
        return run
    before = copy.deepcopy(run)
    content = [c for c in run if c.tag != f"{{{W}}}rPr"]
    index = content.index(t)
    for kept in [c for c in before if c.tag != f"{{{W}}}rPr"][index + 1 :]:
        before.remove(kept)
    for moved in content[:index]:
        run.remove(moved)
    text = t.text or ""
    before_t = before.findall(_T)[-1]
    before_t.text, t.text = text[:at], text[at:]
    before_t.set(_SPACE, "preserve")
    t.set(_SPACE, "preserve")
    run.addprevious(before)
    return run


def _mark_runs(body: etree._Element) -> list[etree._Element]:
    """The runs that start with a signature mark, in the document's order, one per mark: a run is cut where a mark
    starts inside it, and a mark Word split over several runs is found in its paragraph's text."""
    found = []
    for paragraph in list(body.iter(f"{{{W}}}p")):
        texts = [t for t in paragraph.iter(_T) if next(t.iterancestors(f"{{{W}}}p")) is paragraph]
        joined = "".join(t.text or "" for t in texts)
        starts, offset = [], 0
        for t in texts:
            starts.append(offset)
            offset += len(t.text or "")
        at = joined.find(SIGNATURE_MARK)
        while at >= 0:
            index = max(i for i, start in enumerate(starts) if start <= at and (texts[i].text or ""))
            if texts[index].getparent().tag == f"{{{W}}}r":
                found.append(_split_run(texts[index], at - starts[index]))
            at = joined.find(SIGNATURE_MARK, at + 1)
    return found


def _letter_start() -> etree._Element:
    """An empty paragraph a twentieth of a point tall (no spacing around it) carrying the letter's bookmark: its
    own, so no condition or loop of the template can remove or repeat it."""
    p = etree.Element(f"{{{W}}}p")
    properties = etree.SubElement(p, f"{{{W}}}pPr")
    spacing = etree.SubElement(properties, f"{{{W}}}spacing")
    for name, value in (("before", "0"), ("after", "0"), ("line", "1"), ("lineRule", "exact")):
        spacing.set(f"{{{W}}}{name}", value)
    size = etree.SubElement(etree.SubElement(properties, f"{{{W}}}rPr"), f"{{{W}}}sz")
    size.set(f"{{{W}}}val", "2")
    anchor = etree.SubElement(p, f"{{{W}}}r")
    _bookmark(anchor, f"{LETTER_BOOKMARK}{{{{ {_LETTER} }}}}", f"{{{{ 2000000 + 1000 * {_LETTER} }}}}")
    return p


@functools.lru_cache(maxsize=8)  # a few templates are in use at a time; an upload may be 5 MiB
def _repeating(template: bytes, names: tuple[str, ...]) -> bytes:
    """The template with its body wrapped in a loop over ``letters``, a page break between two letters, and the
    bookmarks LibreOffice exports as named destinations: where each letter starts (:data:`LETTER_BOOKMARK`) and
    where its signature marks are (:data:`MARK_BOOKMARK`). Kept for the templates in use."""
    source = zipfile.ZipFile(BytesIO(template))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                root = etree.fromstring(data)
                body = root.find(f"{{{W}}}body")
                assert body is not None
                section = body[-1]  # the final w:sectPr stays last: one section for all letters
                _drop_our_names(root)
                for k, run in enumerate(_mark_runs(body)):
                    name = f"{MARK_BOOKMARK}{{{{ {_LETTER} }}}}x{k}"
                    _bookmark(run, name, f"{{{{ 2000000 + 1000 * {_LETTER} + {1 + k % 999} }}}}")
                body.insert(0, _letter_start())
                bindings = ", ".join(f"{n}=letter[{n!r}]" for n in names)
                body.insert(0, _paragraph(f"{{%p with {bindings} %}}"))
                body.insert(0, _paragraph(f"{{%p set {_LETTER} = loop.index0 %}}"))  # before a key named loop
                body.insert(0, _paragraph("{%p for letter in letters %}"))
                at = list(body).index(section)
                tail = ["{%p endwith %}", "{%p if not loop.last %}", None, "{%p endif %}", "{%p endfor %}"]
                for offset, text in enumerate(tail):
                    body.insert(at + offset, _paragraph(text, page_break=text is None))
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(item, data)
    return out.getvalue()


def render_many(template: bytes, contexts: list[dict[str, Any]]) -> bytes:
    """Fill ``template`` once per context into one .docx, each letter starting on a new page: one Jinja pass and
    one LibreOffice conversion for a whole chunk of letters. Each letter reads as ``render_docx`` would make it,
    with its bookmarks (see :func:`_repeating`); one context makes one document so, its bookmarks included.
    Headers and footers, one for all the letters (one section), are filled with what every context shares: one
    document's with all its values, a batch's without a value that differs from letter to letter."""
    names = tuple(sorted({name for context in contexts for name in context if name.isidentifier()}))
    shared = {k: v for k, v in contexts[0].items() if all(k in c and c[k] == v for c in contexts[1:])}
    return render_docx(_repeating(template, names), {**shared, "letters": contexts})


class DocxRenderer:
    """``service.services.ports.Renderer`` with docxtpl."""

    def render(self, template: bytes, context: dict[str, Any]) -> bytes:
        return render_docx(template, context)

    def render_many(self, template: bytes, contexts: list[dict[str, Any]]) -> bytes:
        return render_many(template, contexts)
