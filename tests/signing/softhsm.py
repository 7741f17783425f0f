"""SoftHSM2 tokens for the tests: a token folder of its own, and keys with their certificates imported into it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from signing.pkcs11 import SOFTHSM2

PIN = "1234"
SO_PIN = "5678"


def softhsm_environment(folder: Path) -> dict[str, str]:
    """The environment of a process whose SoftHSM2 keeps its tokens in ``folder``/tokens."""
    for tool in ("softhsm2-util", "pkcs11-tool"):
        assert shutil.which(tool), f"{tool} missing: `make test` installs softhsm2 and opensc"
    (folder / "tokens").mkdir(parents=True, exist_ok=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n")
    return {**os.environ, "SOFTHSM2_CONF": str(conf)}


def add_token(
    env: dict[str, str],
    label: str,
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    certificate: x509.Certificate,
    others: Sequence[x509.Certificate] = (),
    key_label: str = "leader",
) -> None:
    """A new token ``label`` (PIN ``PIN``) holding ``key`` and ``certificate`` (ID 01, ``key_label``), and ``others``
    (CA certificates, as real tokens carry them) under IDs 02, 03..."""
    folder = Path(env["SOFTHSM2_CONF"]).parent

    def run(*command: str) -> None:
        subprocess.run(command, env=env, check=True, capture_output=True)

    run("softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", SO_PIN)
    pem = folder / "key.pem"
    pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    try:
        run("softhsm2-util", "--import", str(pem), "--token", label, "--label", key_label, "--id", "01", "--pin", PIN)
    finally:
        pem.unlink()
    for n, (cert, cert_label) in enumerate([(certificate, key_label), *((c, f"ca-{i}") for i, c in enumerate(others))]):
        der = folder / "cert.der"
        der.write_bytes(cert.public_bytes(serialization.Encoding.DER))
        run(
            "pkcs11-tool",
            *("--module", str(SOFTHSM2), "--token-label", label, "--login", "--pin", PIN),
            *("--write-object", str(der), "--type", "cert", "--id", f"{n + 1:02d}", "--label", cert_label),
        )
