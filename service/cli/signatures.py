"""``vanban pki demo``, ``vanban sign``, ``vanban verify``: PAdES signing and checking of any PDF, with the
``signing`` package alone (no database, no queue)."""

from __future__ import annotations

import json
import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from service.cli.common import console
from service.config import get_settings

pki_app = typer.Typer(help="Keys and certificates.")


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
