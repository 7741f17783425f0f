"""``vanban sign-agent``: the leader's USB token signs, on the leader's own computer, what the inbox page prepared
(``signing.agent`` holds the agent; this is its command line).

"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer
from cryptography import x509

from signing.agent import DEFAULT_PORT, AgentServer, AgentSettings, SigningAgent, TerminalQuestions, explain
from signing.agent import normalise_origin as _origin
from signing.errors import SigningError
from signing.pkcs11 import TokenDigestSigner, TokenKey


def _fail(message: str, message_vi: str) -> typer.Exit:
    typer.echo(f"Lỗi: {message_vi}\nError: {message}", err=True)
    return typer.Exit(1)


def sign_agent(
    module: Annotated[Path, typer.Option(help="the token's PKCS#11 library (.so / .dll of the token's software)")],
    origin: Annotated[
        list[str],
        typer.Option(help="a vanban address whose pages may call the agent, e.g. https://vanban.truong.local"),
    ],
    token: Annotated[str | None, typer.Option(help="the token's label (default: the only token plugged in)")] = None,
    key: Annotated[str | None, typer.Option(help="the key's label (default: the only key with a certificate)")] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port on 127.0.0.1")] = DEFAULT_PORT,
    chain: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="PEM with CA certificates the token lacks")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="sign without asking on this terminal (this run only)")] = False,
    pin_stdin: Annotated[
        bool, typer.Option("--pin-stdin", help="read the PIN from the first line of stdin (tests, automation)")
    ] = False,
) -> None:
    """The leader's signing agent: opens the USB token with the PIN typed here, listens on 127.0.0.1 and signs the
    digests the vanban inbox page sends, after the leader says yes on this terminal."""
    try:
        origins = tuple(_origin(o) for o in origin)
    except ValueError as exc:
        raise _fail(str(exc), "--origin phải có dạng https://tên-máy[:cổng]") from None
    try:
        extra = x509.load_pem_x509_certificates(chain.read_bytes()) if chain else []
    except ValueError:
        raise _fail("--chain holds no PEM certificate", "--chain không chứa chứng thư PEM") from None
    pin = sys.stdin.readline().rstrip("\r\n") if pin_stdin else getpass.getpass("Mã PIN của token / token PIN: ")
    try:
        signer = TokenDigestSigner(TokenKey(module, token, key), pin, extra)
    except SigningError as exc:
        _, message, message_vi = explain(exc)
        raise _fail(message, message_vi) from None
    finally:
        del pin
    settings = AgentSettings(port=port, origins=origins, confirm=not yes)

    def say(line: str) -> None:
        typer.echo(line)

    agent = SigningAgent(signer, settings, TerminalQuestions(sys.stdin, say, settings.confirm_seconds), say)
    try:
        server = AgentServer(agent, signer.token_label)
    except OSError as exc:
        signer.close()
        raise _fail(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}", f"Không mở được cổng {port}") from None
    say(f"Người ký / signer: {agent.signer_name} (token {signer.token_label})")
    say(f"Trang được phép / allowed pages: {', '.join(origins)}")
    if yes:
        say("Ký không hỏi lại (--yes) / signing without asking (--yes)")
    say(f"Đang chờ yêu cầu ký tại / waiting for signing requests at http://127.0.0.1:{server.port}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        say("Đã dừng / stopped")
    finally:
        server.server_close()
        signer.close()
