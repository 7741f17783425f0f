"""Registering templates (issue 16): no upload, however hostile, ends in anything but a 4xx with a reason; versions
are made current again and compared; ``vanban templates check`` tells an author what a .docx needs."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from service.adapters.renderer import render_docx
from service.errors import InvalidRequest, RenderError, VanbanError, http_status
from service.services.production import render_context
from service.services.requesting import RequestDocument, request_document
from service.services.templates import check_template, register_template
from tests.template_corpus import (
    docx_with,
    docx_with_body,
    text_of,
    with_alt_chunk,
    with_document_xml,
    with_notes,
    with_tracked_changes,
    zip_of,
)
from tests.unit.services import Service

ROOT = Path(__file__).resolve().parents[2]
PLAIN = docx_with("Kính gửi: {{ recipient }}")
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
    b"<w:t>&lol3;{{ x }}</w:t></w:r></w:p></w:body></w:document>"
)
HOSTILE: list[tuple[str, bytes, bytes | None, bytes | None]] = [
    ("empty", b"", None, None),
    ("not-a-zip", b"PK\x03\x04 not really", None, None),
    ("truncated", PLAIN[: len(PLAIN) // 2], None, None),
    ("no-body", zip_of({"word/styles.xml": b"<x/>"}), None, None),
    ("garbage-xml", with_document_xml(PLAIN, b"<w:document><unclosed>"), None, None),
    ("bomb", zip_of({"word/document.xml": b"<w:document/>", "word/media/x.bin": b"\0" * 40_000_000}), None, None),
    ("open-tag", docx_with("{{ recipient "), None, None),
    ("lonely-endfor", docx_with("{% endfor %}"), None, None),
    ("for-without-iterable", docx_with("{% for x in %}{% endfor %}"), None, None),
    ("called", docx_with("{{ iteritems(d) }}"), None, None),
    ("called-method", docx_with("{{ student.full_name() }}"), None, None),
    ("unknown-filter", docx_with("{{ x|nosuch }}"), None, None),
    ("sandbox", docx_with("{{ ''.__class__.__mro__[1].__subclasses__() }}"), None, None),
    ("power", docx_with("{{ 9**99999999 }}"), None, None),
    ("repetition", docx_with("{{ 'x' * 999999999 }}"), None, None),
    ("percent-width", docx_with('{{ "%020000000d" % 1 }}'), None, None),
    ("percent-star", docx_with('{{ "%*d" % (20000000, 1) }}'), None, None),
    ("ljust", docx_with('{{ "a".ljust(20000000) }}'), None, None),
    ("zfill", docx_with('{{ "1".zfill(20000000) }}'), None, None),
    ("format-method", docx_with('{{ "{:>20000000}".format(1) }}'), None, None),
    ("format-nested", docx_with('{{ "{:{}}".format(1, 20000000) }}'), None, None),
    ("replace-method", docx_with('{{ ("a" * 10000).replace("a", "b" * 10000) }}'), None, None),
    ("center", docx_with('{{ "a"|center(20000000) }}'), None, None),
    ("indent", docx_with('{{ ("a" ~ "\\n" * 5000)|indent(10000) }}'), None, None),
    ("wordwrap", docx_with('{{ ("a " * 5000)|wordwrap(1, wrapstring="x" * 10000) }}'), None, None),
    ("format-filter", docx_with('{{ "%020000000d"|format(1) }}'), None, None),
    ("batch", docx_with("{{ [1]|batch(20000000, 0)|list }}"), None, None),
    ("lipsum", docx_with("{{ lipsum(100000) }}"), None, None),
    ("parentheses", docx_with("{{ " + "(" * 3000 + "x" + ")" * 3000 + " }}"), None, None),
    ("include", docx_with("{% include 'other.docx' %}"), None, None),
    ("extends", docx_with("{% extends 'base' %}"), None, None),
    ("recursion", docx_with("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}"), None, None),
    ("footnote-syntax", with_notes(PLAIN, footnote="{% if %}"), None, None),
    (
        "rich-as-string",
        docx_with("{{r x}}"),
        json.dumps({"type": "object", "properties": {"x": {"type": "string"}}}).encode(),
        None,
    ),
    (
        "loop-as-string",
        docx_with("{% for r in rows %}{{ r.a }}{% endfor %}"),
        b'{"type": "object", "properties": {"rows": {"type": "string"}}}',
        None,
    ),
    ("bad-schema-type", PLAIN, b'{"type": "object", "properties": {"recipient": {"type": 5}}}', None),
    ("bad-schema-ref", PLAIN, b'{"type": "object", "properties": {"recipient": {"$ref": "#/nowhere"}}}', None),
    (
        "bad-schema-regex",
        PLAIN,
        b'{"type": "object", "properties": {"recipient": {"type": "string", "pattern": "("}}}',
        None,
    ),
    ("schema-not-object", PLAIN, b"[1, 2]", None),
    ("schema-not-json", PLAIN, b"{", None),
    ("schema-deep", PLAIN, b'{"a":' * 5000 + b"1" + b"}" * 5000, None),
    ("example-wrong", PLAIN, None, b'{"recipient": [1]}'),
    ("example-control", PLAIN, None, b'{"recipient": "a\\u0007b"}'),
    ("example-bad-image", docx_with("{{ photo }}"), None, b'{"photo": {"image": "AAAA"}}'),
    ("example-missing-include", docx_with("{{p annex}}"), None, b'{"annex": {"template": "khong-co"}}'),
    ("example-missing-file", docx_with("{{ logo }}"), None, b'{"logo": {"file": "' + b"0" * 64 + b'"}}'),
    ("example-bad-subdoc", docx_with("{{p annex}}"), None, b'{"annex": {"docx": "UEsDBA=="}}'),
]


@pytest.mark.parametrize(("name", "docx", "schema", "example"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_no_template_upload_can_end_in_a_server_error(
    name: str, docx: bytes, schema: bytes | None, example: bytes | None
) -> None:
    with pytest.raises(VanbanError) as caught:
        register_template(Service().templates, None, f"hostile-{name}", docx, schema, example)
    assert 400 <= http_status(caught.value) < 500, (name, caught.value)
    assert caught.value.message_en and caught.value.message_vi


def test_the_services_own_document_field_is_refused_as_the_templates_and_allowed_as_the_services() -> None:
    """``document`` is what the service fills (number, date, date line): a template printing it whole, or using a
    field of its own under it, would print the service's values where the caller's were meant."""
    for text in ("Tên văn bản: {{ document }}.", "{{ document.title }}", "{% for d in document %}{{ d }}{% endfor %}"):
        with pytest.raises(InvalidRequest) as caught:
            register_template(Service().templates, None, "ten-van-ban", docx_with(text), None, None)
        assert caught.value.errors[0].path == "docx" and "document.notation" in caught.value.errors[0].message_vi
    assert "document.notation" in check_template(docx_with("{{ document }}")).errors[0]
    ours = docx_with("Số: {{ document.notation }}", "{{ document.place_date }}", "{{ document.issued_on|date_dmy }}")
    template, _ = register_template(Service().templates, None, "so-va-ngay", ours, None, None)
    assert "document" not in template.schema["properties"]


def test_a_macro_enabled_document_is_refused_saying_so_and_not_naming_memory() -> None:
    with zipfile.ZipFile(io.BytesIO(docx_with("{{ x }}"))) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    macro = b"ms-word.document.macroEnabled.main+xml"
    docm = zip_of({name: data.replace(b"wordprocessingml.document.main+xml", macro) for name, data in parts.items()})
    with pytest.raises(RenderError) as caught:
        register_template(Service().templates, None, "co-macro", docm, None, None)
    assert "macroEnabled" in caught.value.message_en and "BytesIO" not in caught.value.message_en


def test_entities_in_a_docx_are_never_expanded() -> None:
    service = Service()
    try:
        template, _ = register_template(
            service.templates, None, "thuc-the", with_document_xml(PLAIN, LAUGHS), None, None
        )
    except VanbanError as exc:
        assert 400 <= http_status(exc) < 500
    else:
        assert "lollol" not in json.dumps(template.example)


def test_an_earlier_version_becomes_current_again_and_the_changes_between_two_are_listed() -> None:
    from datetime import timedelta

    from service.errors import Forbidden
    from tests.unit.services import REQUESTER

    service = Service()
    catalog = service.templates
    second = docx_with("{{ a|round }}", "{%p for r in rows %}", "{{ r.x }}", "{%p endfor %}")
    v1, _ = register_template(catalog, None, "giay-moi", docx_with("{{ a }}", "{{ b }}"), None, None)
    v2, _ = register_template(catalog, None, "giay-moi", second, None, None)
    assert catalog.get("giay-moi").version == v2.version
    with pytest.raises(Forbidden):
        catalog.make_current(REQUESTER, "giay-moi", v1.version)
    assert catalog.make_current(None, "giay-moi", v1.version[:12]).version == v1.version
    assert catalog.get("giay-moi").version == v1.version
    assert catalog.changes("giay-moi", v1.version, v2.version) == {
        "added": ["rows", "rows[]", "rows[].x"],
        "removed": ["b"],
        "changed": {"a": ["text", "number"]},
    }
    service.clock.advance(timedelta(minutes=1))
    _, created = register_template(catalog, None, "giay-moi", second, None, None)
    assert not created and catalog.get("giay-moi").version == v2.version  # the same files again: current again

    shipped = catalog.get("giay-trieu-tap")
    changed = {**shipped.schema, "title": "Giấy triệu tập (sửa)"}
    other, _ = register_template(
        catalog,
        None,
        "giay-trieu-tap",
        shipped.docx,
        json.dumps(changed).encode(),
        json.dumps(shipped.example).encode(),
    )
    assert catalog.get("giay-trieu-tap").version == other.version
    service.clock.advance(timedelta(minutes=1))
    assert catalog.make_current(None, "giay-trieu-tap", shipped.version).version == shipped.version
    assert catalog.get("giay-trieu-tap").docx == shipped.docx


def test_check_tells_an_author_the_types_schema_example_and_warnings(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from service.cli import app

    good = tmp_path / "giay-moi.docx"
    good.write_bytes(
        docx_with(
            "Kính gửi: {{r recipient}}", "{%p for s in students %}", "{{ s.name }}: {{ s.hours * 2 }}", "{%p endfor %}"
        )
    )
    run = CliRunner().invoke(app, ["templates", "check", str(good)])
    assert run.exit_code == 0, run.output
    assert "students[].hours: number" in run.stdout and "recipient: rich" in run.stdout
    assert '"x-vanban-kind": "rich"' in run.stdout and '"runs"' in run.stdout  # schema and example
    assert "warning" in run.stdout
    bad = tmp_path / "sai.docx"
    bad.write_bytes(docx_with("{{ iteritems(d) }} {{ x|nosuch }}"))
    run = CliRunner().invoke(app, ["templates", "check", str(bad)])
    assert run.exit_code == 1 and "iteritems" in run.stdout and "nosuch" in run.stdout


def test_a_registered_template_or_a_stored_picture_is_included_by_reference() -> None:
    from datetime import date

    from service.adapters.renderer import render_docx
    from service.errors import InvalidRequest
    from service.services.production import render_context
    from tests.template_corpus import png, text_of

    service = Service()
    catalog = service.templates
    register_template(catalog, None, "phu-luc", docx_with("Phụ lục: {{ subject }}"), None, None)
    main, _ = register_template(catalog, None, "chinh", docx_with("{{p annex}}", "{{ logo }}"), None, None)
    digest = service.archive.put(png(), ".png")
    data = {"annex": {"template": "phu-luc", "data": {"subject": "Lịch học"}}, "logo": {"file": digest, "width_mm": 20}}
    docx = render_docx(main.docx, render_context(main, data, "01/VD", date(2026, 12, 1), catalog))
    assert text_of(docx) == ["Phụ lục: Lịch học", "[picture]"]
    for wrong, path in [
        ({**data, "annex": {"template": "khong-co"}}, "annex.template"),
        ({**data, "annex": {"template": "phu-luc", "data": {}}}, "annex.data.subject"),
        ({**data, "logo": {"file": "0" * 64}}, "logo.file"),
    ]:
        with pytest.raises(InvalidRequest) as caught:
            render_context(main, wrong, "01/VD", date(2026, 12, 1), catalog)
        assert [e.path for e in caught.value.errors] == [path]


def test_sizes_given_by_the_data_are_bounded_when_filling_and_ordinary_padding_still_works() -> None:
    from service.adapters.renderer import render_docx
    from service.errors import RenderError
    from tests.template_corpus import text_of

    wide = 1_000_001  # one past the limit on any one string (renderer.MAX_WIDTH)
    for source in (
        "{{ '%0*d' % (n, 1) }}",
        "{{ ('%0' ~ n ~ 'd') % 1 }}",
        "{{ 'a'.rjust(n) }}",
        "{{ 'a'.center(width=n) }}",
        "{{ ('\\t' * 10).expandtabs(n // 5) }}",
        "{{ ('{:>' ~ n ~ '}').format(1) }}",
        "{{ 'a'|center(n) }}",
        "{{ 'a'|truncate(n) }}",
        "{{ [1]|slice(n)|list }}",
        "{{ ('a' * 1000)|replace('a', 'b' * (n // 100)) }}",
    ):
        with pytest.raises(RenderError):
            render_docx(docx_with(source), {"n": wide})
    ordinary = docx_with(
        "{{ '%05.1f' % x }}|{{ '{:,}'.format(n) }}|{{ 'a'|center(5) }}|{{ '7'.zfill(2) }}|{{ '%s%%' % 5 }}"
        "|{{ 'ab cd'|wordwrap(2) }}|{{ 'abcdef'|truncate(5, leeway=0) }}"
    )
    assert text_of(render_docx(ordinary, {"x": 3.14159, "n": 1234567})) == ["003.1|1,234,567|  a  |07|5%|ab\ncd|ab..."]


def test_a_huge_percent_format_is_not_folded_while_compiling() -> None:
    """Jinja folds constant expressions while compiling; ``%`` is intercepted, so it is never folded."""
    from service.adapters.renderer import _environment

    env = _environment()
    source = '{{ "%020000000d" % 1 }}'  # 20 MB if it were folded (the review's 200000000 made 800 MB)
    assert len(env.compile(source, raw=True)) < 10_000
    with pytest.raises(Exception, match="longer than"):
        env.from_string(source).render()


def test_content_kept_in_another_part_is_refused_as_it_would_not_be_printed() -> None:
    """An altChunk (HTML or a document a program merged in, which Word imports when it opens the file) is not
    printed by LibreOffice: a template holding one, or a .docx sent whole holding one, would lose that text
    silently. Both are refused saying so."""
    alt = with_alt_chunk(docx_with("Kính gửi: {{ name }}"))
    with pytest.raises(RenderError) as caught:
        register_template(Service().templates, None, "nhap-html", alt, None, None)
    assert "altChunk" in caught.value.message_en and "altChunk" in caught.value.message_vi
    with pytest.raises(RenderError, match="altChunk"):
        check_template(alt)
    service = Service()
    register_template(service.templates, None, "chinh", docx_with("{{p annex}}"), None, None)
    annex = {"docx": base64.b64encode(with_alt_chunk(docx_with("Phụ lục"))).decode()}
    with pytest.raises(InvalidRequest) as refused:
        request_document(service.db, service.templates, RequestDocument(template_id="chinh", data={"annex": annex}))
    assert [e.path for e in refused.value.errors] == ["annex"] and "altChunk" in refused.value.errors[0].message_en


def test_a_template_edited_with_track_changes_is_read_and_filled_as_accepted() -> None:
    """A placeholder deleted with Track Changes on is no field of the template any more, one inserted is; the
    filled document holds the final text with no tracked change left (LibreOffice prints them as marks)."""
    edited = with_tracked_changes("Kính gửi", "{{ old_recipient }}", "{{ recipient }}")
    template, _ = register_template(Service().templates, None, "da-sua", edited, None, None)
    assert list(template.schema["properties"]) == ["recipient"]
    filled = render_docx(edited, {"recipient": "Sở Giáo dục và Đào tạo"})
    assert text_of(filled) == ["Kính gửi Sở Giáo dục và Đào tạo"]
    with zipfile.ZipFile(io.BytesIO(filled)) as docx:
        assert not re.search(rb"<w:(ins|del|delText)[ >]", docx.read("word/document.xml"))


def test_a_deleted_table_row_and_earlier_formatting_go_when_changes_are_accepted() -> None:
    change = 'w:id="{}" w:author="A" w:date="2026-11-02T08:00:00Z"'
    row = "<w:tr>{}<w:tc><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc></w:tr>"
    deleted_row = row.format(f"<w:trPr><w:del {change.format(1)}/></w:trPr>", "{{ old_row }}")
    bold_before = f"<w:rPr><w:b/><w:rPrChange {change.format(2)}><w:rPr><w:i/></w:rPr></w:rPrChange></w:rPr>"
    grid = '<w:tblPr/><w:tblGrid><w:gridCol w:w="5000"/></w:tblGrid>'
    table = f"<w:tbl>{grid}{row.format('', 'Hàng giữ lại')}{deleted_row}</w:tbl>"
    paragraph = f"<w:p><w:r>{bold_before}<w:t>{{{{ name }}}}</w:t></w:r></w:p>"
    edited = docx_with_body(table + paragraph)
    template, _ = register_template(Service().templates, None, "bang-da-sua", edited, None, None)
    assert list(template.schema["properties"]) == ["name"]
    filled = render_docx(edited, {"name": "Nguyễn Văn An"})
    with zipfile.ZipFile(io.BytesIO(filled)) as result:
        xml = result.read("word/document.xml")
    assert xml.count(b"<w:tr>") == 1 and b"Change" not in xml and b"<w:b/>" in xml and b"<w:i/>" not in xml


CHANGE = 'w:author="A" w:date="2026-11-02T08:00:00Z"'


def test_a_paragraph_deleted_with_its_mark_joins_the_next_and_a_table_of_deleted_rows_goes() -> None:
    """As Word accepts them: a paragraph whose mark was deleted joins the next one (no blank line is left where
    a deleted line was), and a table all of whose rows were deleted is no empty table."""
    deleted_line = (
        f'<w:p><w:pPr><w:rPr><w:del w:id="3" {CHANGE}/></w:rPr></w:pPr>'
        f'<w:del w:id="4" {CHANGE}><w:r><w:delText>Dòng bỏ</w:delText></w:r></w:del></w:p>'
    )
    row = (
        f'<w:tr><w:trPr><w:del w:id="5" {CHANGE}/></w:trPr><w:tc><w:p><w:r><w:t>Hàng bỏ</w:t></w:r></w:p></w:tc></w:tr>'
    )
    table = f'<w:tbl><w:tblPr/><w:tblGrid><w:gridCol w:w="5000"/></w:tblGrid>{row}</w:tbl>'
    edited = docx_with_body(
        f"<w:p><w:r><w:t>{{{{ a }}}}</w:t></w:r></w:p>{deleted_line}{table}<w:p><w:r><w:t>B</w:t></w:r></w:p>"
    )
    filled = render_docx(edited, {"a": "A"})
    assert text_of(filled) == ["A", "B"]
    with zipfile.ZipFile(io.BytesIO(filled)) as result:
        assert b"<w:tbl>" not in result.read("word/document.xml")


def test_a_placeholder_finished_with_track_changes_on_is_read() -> None:
    """``{{ `` typed first, ``recipient }}`` typed later with Track Changes on, another change in the same part:
    the template was refused as damaged (its changes were accepted after its placeholders' tags were cut)."""
    typed = (
        f'<w:p><w:r><w:t xml:space="preserve">Kính gửi {{{{ </w:t></w:r>'
        f'<w:ins w:id="2" {CHANGE}><w:r><w:t>recipient }}}}</w:t></w:r></w:ins></w:p>'
        f'<w:p><w:ins w:id="9" {CHANGE}><w:r><w:t>Thêm</w:t></w:r></w:ins></w:p>'
    )
    template, _ = register_template(Service().templates, None, "go-tiep", docx_with_body(typed), None, None)
    assert list(template.schema["properties"]) == ["recipient"]


def test_a_derived_example_is_one_the_service_accepts() -> None:
    checked = check_template(docx_with("{{ organisation.abbreviation }}", "{{ name }}"))
    assert checked.example["organisation"]["abbreviation"] == "TCT" and not checked.errors


def test_a_docx_sent_whole_with_damaged_text_is_refused_by_its_path_and_the_word_altchunk_in_text_is_not() -> None:
    service = Service()
    register_template(service.templates, None, "chinh", docx_with("{{p annex}}"), None, None)
    for method in (zipfile.ZIP_DEFLATED, zipfile.ZIP_LZMA):
        damaged = bytearray(zip_of({"word/document.xml": b"<w:document>" + b"x" * 5000 + b"</w:document>"}, method))
        start = 30 + int.from_bytes(damaged[26:28], "little") + int.from_bytes(damaged[28:30], "little")
        damaged[start + 4 : start + 30] = bytes(b ^ 0x55 for b in damaged[start + 4 : start + 30])
        annex = {"docx": base64.b64encode(bytes(damaged)).decode()}
        with pytest.raises(InvalidRequest) as refused:
            request_document(service.db, service.templates, RequestDocument(template_id="chinh", data={"annex": annex}))
        assert [e.path for e in refused.value.errors] == ["annex"]
    mentioned = {"docx": base64.b64encode(docx_with("Hướng dẫn: không dùng altChunk")).decode()}
    request_document(service.db, service.templates, RequestDocument(template_id="chinh", data={"annex": mentioned}))
    register_template(service.templates, None, "nhac-den", docx_with("Không dùng altChunk: {{ x }}"), None, None)


def test_a_docx_sent_whole_is_included_with_its_tracked_changes_accepted() -> None:
    """A .docx sent whole (``{"docx": base64}``) with tracked changes, a deletion inside an insertion among them (as
    Word writes another author's insertion deleted): its deleted text was printed, and the filled document kept the
    revision marks for anyone who opened it."""
    edited = docx_with_body(
        f'<w:p><w:r><w:t xml:space="preserve">A </w:t></w:r><w:ins w:id="1" {CHANGE}><w:del w:id="2" {CHANGE}>'
        f'<w:r><w:delText>INSDEL </w:delText></w:r></w:del></w:ins><w:ins w:id="3" {CHANGE}><w:r><w:t>B</w:t></w:r>'
        "</w:ins></w:p>"
    )
    service = Service()
    template, _ = register_template(service.templates, None, "chinh", docx_with("{{p annex}}"), None, None)
    context = render_context(template, {"annex": {"docx": base64.b64encode(edited).decode()}}, "01/VD", None)
    filled = render_docx(template.docx, context)
    assert text_of(filled) == ["A B"]
    with zipfile.ZipFile(io.BytesIO(filled)) as result:
        assert not re.search(rb"<w:(ins|del|delText)[ >]", result.read("word/document.xml"))


def test_a_nested_inclusions_problem_is_named_by_its_whole_path() -> None:
    service = Service()
    catalog = service.templates
    register_template(catalog, None, "phu-luc", docx_with("{{ subject }}"), None, None)
    host, _ = register_template(catalog, None, "khung", docx_with("{{p annex}}"), None, None)
    for data, path in [
        ({"annex": {"template": "khung", "data": {"annex": {"template": "khong-co"}}}}, "annex.data.annex.template"),
        (
            {"annex": {"template": "khung", "data": {"annex": {"template": "phu-luc", "data": {}}}}},
            "annex.data.annex.data.subject",
        ),
    ]:
        with pytest.raises(InvalidRequest) as caught:
            render_context(host, data, "01/VD", None, catalog)
        assert [e.path for e in caught.value.errors] == [path]


def test_an_altchunk_is_found_whatever_prefix_names_its_namespace() -> None:
    from service.domain.rich import ContentError, checked_docx

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    for element in ('<ww:altChunk r:id="x"/>', f'<altChunk xmlns="{w}" r:id="x"/>'):
        body = f'<w:document xmlns:w="{w}" xmlns:ww="{w}"><w:body>{element}</w:body></w:document>'
        with pytest.raises(ContentError, match="altChunk"):
            checked_docx(["annex"], zip_of({"word/document.xml": body.encode()}))
    plain = f'<w:document xmlns:w="{w}"><w:body><w:p><w:r><w:t>altChunk</w:t></w:r></w:p></w:body></w:document>'
    assert checked_docx(["annex"], zip_of({"word/document.xml": plain.encode()}))
