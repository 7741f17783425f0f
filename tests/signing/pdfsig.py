"""poppler's pdfsig, read into per-signature facts to compare with our verdicts."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PdfsigSignature:
    field: str
    valid: bool  # "Signature is Valid."
    whole: bool  # "Total document signed"
    kind: str  # e.g. ETSI.CAdES.detached, or "unknown" for a document timestamp pdfsig cannot check


def pdfsig(path: Path) -> list[PdfsigSignature]:
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    sigs: list[PdfsigSignature] = []
    for block in out.split("Signature #")[1:]:
        lines = block.splitlines()
        field = next((ln.split(":", 1)[1].strip() for ln in lines if "Signature Field Name:" in ln), "")
        kind = next((ln.split(":", 1)[1].strip() for ln in lines if "Signature Type:" in ln), "")
        sigs.append(
            PdfsigSignature(
                field=field,
                valid="Signature Validation: Signature is Valid" in block,
                whole="Total document signed" in block and "Not total document signed" not in block,
                kind=kind,
            )
        )
    return sigs
