"""The ``vanban`` command: serve, worker, render, templates."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from service.config import Settings, get_settings
from service.errors import InvalidRequest, VanbanError
from service.services.templates import TemplateCatalog

app = typer.Typer(help="vanban: official documents of the school, filled, converted, numbered, signed.")
templates_app = typer.Typer(help="Document templates.")
app.add_typer(templates_app, name="templates")
pki_app = typer.Typer(help="Keys and certificates.")
app.add_typer(pki_app, name="pki")
users_app = typer.Typer(help="People and their roles.")
app.add_typer(users_app, name="users")
audit_app = typer.Typer(help="The audit trail.")
app.add_typer(audit_app, name="audit")
console = Console(stderr=True, soft_wrap=True)  # a message is one line, whatever the terminal width


def _fail(exc: VanbanError) -> None:
    console.print(f"[red]{exc.message_vi}[/red]\n{exc.message_en}")
    if isinstance(exc, InvalidRequest):
        for e in exc.errors:
            console.print(f"  {e.path}: {e.message_vi} / {e.message_en}")
    raise typer.Exit(1)


def _people(settings: Settings) -> None:
    """The bootstrap API key (``VANBAN_BOOTSTRAP_API_KEY``) and, on a first demo start, the demo users."""
    from service.services.auth import bootstrap_api_key, create_demo_users
    from service.unit_of_work import Database

    db = Database(settings.database)
    try:
        if settings.bootstrap_api_key:
            bootstrap_api_key(db, settings.bootstrap_api_key, settings.organisation_abbreviation)
        demo = settings.demo_users if settings.demo_users is not None else not settings.production
        if demo:
            people = create_demo_users(db, settings.organisation_abbreviation, settings.pki, settings.pki_password)
            if people:
                console.print("[bold]Demo users (passwords shown this once / mật khẩu chỉ hiện một lần):[/bold]")
                for username, password, roles in people:
                    console.print(f"  {username:<12} {password:<14} {roles}")
    finally:
        db.dispose()


@app.command()
def serve() -> None:
    """Start the API (and, on the embedded default, the workers with it)."""
    import uvicorn

    from service.adapters.process import die_with_parent
    from service.main import create_app
    from service.runtime import prepare

    settings = get_settings()
    prepare(settings)
    _people(settings)
    worker: subprocess.Popen[bytes] | None = None
    if settings.start_workers:
        worker = subprocess.Popen([sys.executable, "-m", "service.cli", "worker"], preexec_fn=die_with_parent)
        console.print(f"started {settings.worker_concurrency} worker process(es), pid {worker.pid}")
    # uvicorn re-raises SIGTERM after its graceful shutdown; as SystemExit it lets `finally` stop the workers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        console.print(f"vanban on http://{settings.host}:{settings.port} (data in {settings.data_dir})")
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()


@app.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="worker processes (default VANBAN_WORKER_CONCURRENCY)")
    ] = None,
) -> None:
    """Start a Celery worker; run any number of them, on any machine that reaches the database and broker."""
    from service.runtime import prepare
    from service.worker import make_celery

    settings = get_settings()
    prepare(settings)
    make_celery(settings).worker_main(
        [
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency or settings.worker_concurrency}",
            f"--queues={settings.queue_name}",
            f"--hostname=vanban-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@app.command()
def render(
    template: str,
    data: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON payload (the template's data)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="where to write the PDF")],
    no_sign: Annotated[bool, typer.Option("--no-sign", help="an unsigned, unnumbered draft; nothing recorded")] = False,
) -> None:
    """Render one document. Signed (default): the whole pipeline in this process: numbered in the register,
    signed with the organisation key, archived. ``--no-sign``: a draft PDF with no number."""
    from service.adapters.renderer import render_docx
    from service.domain.documents import Notation
    from service.domain.vietnamese import nfc
    from service.runtime import Runtime, prepare
    from service.services.production import render_context
    from service.services.requesting import RequestDocument, request_document
    from service.services.validation import check_text, validate

    settings = get_settings()
    prepare(settings)
    rt = Runtime(settings)
    try:
        payload = json.loads(data.read_text(encoding="utf-8"))
        if no_sign:
            tpl = rt.templates.get(template)
            check_text(payload)
            payload = nfc(payload)
            validate(tpl.schema, payload)
            body = (payload.get("organisation") or {}).get("abbreviation") or settings.organisation_abbreviation
            draft = Notation(0, tpl.type_abbreviation, body)
            context = render_context(tpl, payload, str(draft), rt.clock.today())
            pdf = rt.converter.to_pdf(render_docx(tpl.docx, context))
        else:
            requested = request_document(  # the local operator issues directly, without the office's review
                rt.db,
                rt.templates,
                RequestDocument(template_id=template, data=payload, workflow="direct"),
                default_organisation=settings.organisation_abbreviation,
            )
            rt.production.produce_document(requested.document_id)
            with rt.db.uow() as tx:
                doc = tx.repo.document(requested.document_id)
            assert doc.pdf_sha256 is not None
            pdf = rt.archive.get(doc.pdf_sha256, ".pdf")
            console.print(f"issued {doc.notation} (document {doc.id})")
    except json.JSONDecodeError as exc:
        console.print(f"[red]Tệp JSON không đọc được[/red] / cannot read JSON: {exc}")
        raise typer.Exit(1) from None
    except VanbanError as exc:
        _fail(exc)
    finally:
        rt.converter.stop()
    output.write_bytes(pdf)
    console.print(f"wrote {output}")


def _catalog() -> TemplateCatalog:
    from service.runtime import Runtime, prepare

    settings = get_settings()
    prepare(settings)
    return Runtime(settings).templates


@templates_app.command("list")
def templates_list() -> None:
    """The templates this service can fill (shipped and registered)."""
    catalog = _catalog()
    for template_id in catalog.ids():
        t = catalog.get(template_id)
        typer.echo(f"{t.id}\t{t.title}\t{t.version[:12]}")


@templates_app.command("example")
def templates_example(
    template: str,
    batch: Annotated[bool, typer.Option("--batch", help='{"batch": ..., "rows": [...]} for a class list')] = False,
) -> None:
    """Print a template's example payload (the ``data`` of a request)."""
    from service.services.requesting import batch_example

    try:
        t = _catalog().get(template)
    except VanbanError as exc:
        _fail(exc)
    example = t.example
    if batch:
        facts = t.schema.get("x-vanban", {})
        if "row" not in facts and "rows_into" not in facts:
            console.print(f"{template} is not made from a list / mẫu này không lập từ danh sách")
            raise typer.Exit(1)
        example = batch_example(t.example, facts)
    typer.echo(json.dumps(example, ensure_ascii=False, indent=2))


@app.command("batch")
def batch_command(
    template: str,
    class_list: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".xlsx or .csv with a header row")],
    data: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="the batch part (class, session, ...)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="folder for the letters, merged.pdf, report.json")],
    on_error: Annotated[str, typer.Option(help="reject (nothing issued) or skip (valid rows go on)")] = "reject",
) -> None:
    """Issue one document per row of a class list (or one with the whole list), in this process, with progress."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from service.adapters.pdf_pages import merge
    from service.domain.batch import letter_name
    from service.errors import BatchRejected
    from service.runtime import Runtime, prepare
    from service.services.requesting import BatchLimits, RequestBatch, request_batch

    settings = get_settings()
    prepare(settings)
    rt = Runtime(settings)
    try:
        batch_data = json.loads(data.read_text(encoding="utf-8"))
        requested = request_batch(
            rt.db,
            rt.templates,
            RequestBatch(
                template_id=template,
                class_list=class_list.read_bytes(),
                filename=class_list.name,
                data=batch_data,
                on_error=on_error,
            ),
            clock=rt.clock,
            default_organisation=settings.organisation_abbreviation,
            limits=BatchLimits(
                chunk_size=settings.batch_chunk_size,
                max_rows=settings.class_list_max_rows,
                max_unpacked_bytes=settings.class_list_max_unpacked_bytes,
            ),
        )
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("ban hành / issuing", total=requested.documents)
            if requested.per_row:
                for chunk in range(requested.chunks):
                    bar.advance(task, rt.production.produce_chunk(requested.batch_id, chunk))
            else:
                with rt.db.uow() as tx:
                    (doc,) = tx.repo.documents_of_batch(requested.batch_id)
                rt.production.produce_document(doc.id)
                bar.advance(task, 1)
    except json.JSONDecodeError as exc:
        console.print(f"[red]Tệp JSON không đọc được[/red] / cannot read JSON: {exc}")
        raise typer.Exit(1) from None
    except BatchRejected as exc:
        output.mkdir(parents=True, exist_ok=True)
        (output / "report.json").write_text(json.dumps(exc.report, ensure_ascii=False, indent=2), encoding="utf-8")
        for p in exc.report["problems"]:
            console.print(f"  dòng/row {p['row']}, {p['column']}: {p['reason_vi']} / {p['reason']}")
        _fail(exc)
    except VanbanError as exc:
        _fail(exc)
    finally:
        rt.converter.stop()
    output.mkdir(parents=True, exist_ok=True)
    pdfs = []
    with rt.db.uow() as tx:
        docs = tx.repo.documents_of_batch(requested.batch_id)
    for d in docs:
        if d.status != "issued" or d.pdf_sha256 is None:
            continue
        pdf = rt.archive.get(d.pdf_sha256, ".pdf")
        pdfs.append(pdf)
        name = (d.data.get("student") or {}).get("full_name") or d.template_id
        (output / letter_name(d.number, name)).write_bytes(pdf)
    (output / "merged.pdf").write_bytes(merge(pdfs))
    report = {**requested.report, "documents": [{"number": d.notation, "status": d.status} for d in docs]}
    (output / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    console.print(f"{len(pdfs)} document(s) in {output}")


@pki_app.command("demo")
def pki_demo(
    directory: Path,
    password: Annotated[str, typer.Option(help="password of the .p12 files")] = "demo",
) -> None:
    """Make a DEMO PKI: ca.pem, ca.crl, leader.p12, org.p12, tsa.p12, signature.png, seal.png."""
    from signing.pki import make_demo_pki

    pki = make_demo_pki(directory, password)
    for path in sorted(pki.directory.iterdir()):
        typer.echo(path)


class Appearance(StrEnum):
    leader = "leader"
    organisation = "organisation"
    info_line = "info-line"
    invisible = "invisible"


@app.command()
def sign(
    pdf: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    output: Annotated[Path, typer.Option("-o", "--output")],
    key: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="PKCS#12 file")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, envvar="VANBAN_KEY_PASSWORD")],
    level: Annotated[str, typer.Option(help="B-B, B-T, B-LT or B-LTA")] = "B-B",
    appearance: Annotated[Appearance, typer.Option(help="where and how the signature shows")] = Appearance.invisible,
    certify: Annotated[bool, typer.Option(help="certify (DocMDP 2): later only form filling and signatures")] = False,
    pki: Annotated[Path | None, typer.Option(help="folder with ca.pem, ca.crl, tsa.p12 and the PNGs")] = None,
    tsa_url: Annotated[
        str | None, typer.Option(help="RFC 3161 time-stamping authority (default: the demo TSA)")
    ] = None,
    text: Annotated[str | None, typer.Option(help="the info line (số và ký hiệu | time | organisation)")] = None,
) -> None:
    """Sign a PDF (PAdES). The leader's image goes on the template's [[sig:leader]] mark; the seal overlaps it."""
    from signing import SigningError
    from signing.files import sign_file

    folder = pki or get_settings().pki
    try:
        sign_file(pdf, output, key, password, level, appearance.value, certify, folder, tsa_url, text)
    except SigningError as exc:
        console.print(f"[red]Không ký được[/red] / cannot sign: {escape(str(exc))}")
        raise typer.Exit(1) from None
    console.print(f"wrote {output}")


_NOT_VERIFIABLE_VI = {
    "unreadable": "Không phải tệp PDF đọc được",
    "encrypted": "Tệp PDF được mã hóa bằng mật khẩu",
    "unsigned": "Tệp PDF không có chữ ký",
}
_TRUST_DATA_VI = {"CRL": "Không đọc được danh sách thu hồi (CRL)", "trust anchor": "Không đọc được chứng thư tin cậy"}
_LIBRARIES = ("pyhanko", "pyhanko_certvalidator", "asn1crypto", "cryptography", "aiohttp", "urllib3")


def _library_logging(debug: bool) -> None:
    """The libraries' own log (pyHanko logs a traceback for every untrusted certificate) only with ``--debug``;
    otherwise only their critical messages."""
    if debug:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    for name in _LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.CRITICAL)


@app.command()
def verify(
    pdf: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    trust: Annotated[list[Path] | None, typer.Option(help="trusted CA certificate(s), PEM or DER")] = None,
    crl: Annotated[list[Path] | None, typer.Option(help="CRL(s) for the revocation check, PEM or DER")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="show the libraries' log and tracebacks")] = False,
) -> None:
    """Check every signature; exit 0 only if all are intact, trusted, unrevoked and later changes are allowed
    (1: not valid; 2: the file, trust anchors or CRLs cannot be read). The report goes to stdout.
    Revocation: from the CRLs given and the validation data inside the file (B-LT, B-LTA), at the time the
    signature's timestamp proves. Default trust: the service's PKI folder (ca.pem, ca.crl)."""
    from signing.errors import NotVerifiable, TrustDataError
    from signing.trust import Trust
    from signing.verify import verify_pdf

    _library_logging(debug)
    folder = get_settings().pki
    roots = trust or [folder / "ca.pem"]
    crls = crl if crl is not None else ([folder / "ca.crl"] if trust is None and (folder / "ca.crl").exists() else [])
    try:
        trusted = Trust.load(roots, crls)
    except TrustDataError as exc:
        console.print(f"[red]{_TRUST_DATA_VI[exc.kind]}[/red] / {escape(str(exc))}")
        raise typer.Exit(2) from None
    try:
        report = verify_pdf(pdf.read_bytes(), trusted)
    except NotVerifiable as exc:
        console.print(f"[red]{_NOT_VERIFIABLE_VI[exc.reason]}[/red] / cannot verify {escape(str(pdf))}: {exc}")
        raise typer.Exit(2) from None
    except OSError as exc:
        console.print(f"[red]Không đọc được tệp[/red] / cannot read {escape(str(pdf))}: {exc.strerror}")
        raise typer.Exit(2) from None
    except Exception as exc:  # a damage no check foresaw: still one line, the traceback only with --debug
        if debug:
            raise
        console.print(f"[red]Không kiểm tra được tệp[/red] / cannot verify {escape(str(pdf))}: {escape(repr(exc))}")
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        out = Console(soft_wrap=True)  # stdout, one line per signature
        for s in report.signatures:
            mark = "[green]OK[/green]" if s.ok else "[red]NOT OK[/red]"
            at = f", judged at {s.revocation_at.isoformat()}" if s.revocation_at else ""
            out.print(
                f"{mark} {escape(s.field)}: {escape(s.signer)} ({escape(s.organisation)}), {s.level}, "
                f"intact={s.intact}, covers {s.covers}, later changes {s.later_changes}, trusted={s.trusted}, "
                f"revocation {s.revocation}{at}"
            )
    raise typer.Exit(0 if report.ok else 1)


@users_app.command("create")
def users_create(
    username: str,
    organisation: Annotated[str, typer.Option(help="abbreviation of the user's body, e.g. TCT")],
    role: Annotated[list[str], typer.Option(help="requester, clerk, signer or admin (repeat for several)")],
    full_name: Annotated[str, typer.Option(help="full name")] = "",
    title: Annotated[str, typer.Option(help="e.g. Hiệu trưởng")] = "",
    organisation_name: Annotated[str | None, typer.Option(help="the body's name, if it is new")] = None,
    p12: Annotated[Path | None, typer.Option(help="a signer's PKCS#12 key file")] = None,
    certificate: Annotated[
        Path | None, typer.Option(help="the signer's certificate (PEM), needed for two-step and remote signing")
    ] = None,
    api_key: Annotated[bool, typer.Option(help="also print a new API key")] = False,
) -> None:
    """Create a user (the first admin, say); the password is asked for and never shown."""
    from service.adapters.migrate import upgrade
    from service.services.auth import NewUser, add_api_key, create_user
    from service.unit_of_work import Database

    settings = get_settings()
    upgrade(settings.database)
    password = typer.prompt("password / mật khẩu", hide_input=True, confirmation_prompt=True)
    credential = {"kind": "pkcs12", "path": str(p12.resolve())} if p12 else None
    if certificate is not None:
        credential = (credential or {}) | {"certificate": certificate.read_text()}
    db = Database(settings.database)
    try:
        with db.uow() as tx:
            user = create_user(
                tx,
                NewUser(
                    username, full_name or username, organisation, role, title, password, organisation_name, credential
                ),
            )
            key = add_api_key(tx, user.id) if api_key else None
            tx.repo.append_audit("cli", "create_user", user.id, {"username": username, "roles": user.roles})
            tx.commit()
    except VanbanError as exc:
        _fail(exc)
    finally:
        db.dispose()
    console.print(f"created {username} ({', '.join(role)}) in {organisation}")
    if key:
        typer.echo(key)


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the audit chain; exit 1 naming the first entry that was changed, removed or reordered."""
    from service.domain.audit import first_break
    from service.unit_of_work import Database

    db = Database(get_settings().database)
    try:
        with db.uow() as tx:
            entries, head_seq, head_hash = tx.repo.audit_chain()
    finally:
        db.dispose()
    broken = first_break(entries, head_seq, head_hash)
    if broken is not None:
        console.print(f"[red]Nhật ký bị sửa: {broken.reason_vi}[/red]\naudit chain broken: {broken.reason_en}")
        raise typer.Exit(1)
    console.print(f"audit chain intact: {len(entries)} entries / nhật ký nguyên vẹn: {len(entries)} mục")


if __name__ == "__main__":
    app()
