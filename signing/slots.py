"""A signature written with its PDF: the PDF's writer leaves a slot for it (a signature field, its widget and
appearance, and a signature dictionary whose ``/ByteRange`` and ``/Contents`` are placeholders), and
:func:`fill_slot` fills the slot once the PDF is written: the byte range, then the CMS over it (pyHanko's, PAdES
attributes, a signature timestamp at B-T). For many letters signed by one key at issuance this replaces a second
parse and an incremental update per letter (``sign_pdf``) with a search in bytes.

The slot's placeholder numbers are random: text a document carries (a name, a place) cannot forge where the
signature goes.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

from signing.errors import SigningError
from signing.keys import KeyMaterial
from signing.marks import Mark
from signing.sign import Box, DeflatedImage, Level, SigningContext, check_request

FILTER = "/Adobe.PPKLite"
SUBFILTER = "/ETSI.CAdES.detached"
SLOT_LEVELS = (Level.B_B, Level.B_T)
"""The levels a slot can hold: their signature is the CMS alone. B-LT and B-LTA add revision data (a DSS, a
document timestamp): ``sign_pdf`` makes those."""


def _nonce() -> int:
    return 1_000_000_000 + secrets.randbelow(9_000_000_000)  # ten digits: room for any offset written over it


@dataclass(frozen=True)
class SignatureSlot:
    """What the PDF's writer puts in the PDF for one signature.

    field_name, reason, location, signer_name, signed_at: the field's name and the signature dictionary's
        ``/Reason``, ``/Location``, ``/Name`` and ``/M``.
    image, placement: the appearance (the seal) and where it goes given the template's mark; no image, or no mark
        in the PDF: an invisible signature.
    reserved: the level's bytes of the PDF kept for the CMS, written as hex (half as many bytes of CMS), as pyHanko
        counts them.
    placeholder: the ``/ByteRange`` to write, ``[0 n n n]`` with ``n`` random, overwritten by :func:`fill_slot`.
    """

    field_name: str
    reason: str | None
    location: str | None
    signer_name: str
    signed_at: datetime
    level: Level
    image: DeflatedImage | None = None
    placement: Callable[[Mark], Box] | None = field(default=None, compare=False)
    nonce: int = field(default_factory=_nonce, repr=False)

    @property
    def reserved(self) -> int:
        return self.level.reserved_bytes

    @property
    def placeholder(self) -> list[int]:
        return [0, self.nonce, self.nonce, self.nonce]

    def box(self, mark: Mark | None) -> Box | None:
        """Where the signature shows on a PDF whose signature mark is ``mark``; none: it is invisible."""
        if mark is None or self.image is None or self.placement is None:
            return None
        return self.placement(mark)


def fill_slot(pdf: bytes, slot: SignatureSlot, key: KeyMaterial, context: SigningContext) -> bytes:
    """``pdf``, written with ``slot``, signed by ``key`` (see :func:`fill_slots`)."""
    return fill_slots([(pdf, slot)], key, context)[0]


def fill_slots(
    written: Sequence[tuple[bytes, SignatureSlot]], key: KeyMaterial, context: SigningContext
) -> list[bytes]:
    """Each PDF, written with its slot, signed by ``key``: its byte range written over the placeholder, and the CMS
    over that range in ``/Contents``. Raises ``SigningError`` when a PDF does not hold its slot as written."""
    for level in {slot.level for _, slot in written}:
        check_request(key, level, context)
    try:
        return asyncio.run(_filled(written, key, context))
    except (PyHankoSigningError, ValueError) as exc:
        raise SigningError(f"cannot sign this PDF: {exc}") from exc


_BEFORE = re.compile(rb"/ByteRange\s*\[\s*0\s+$")
_AFTER = re.compile(rb"\s*\]\s*/Contents\s*<")


async def _filled(
    written: Sequence[tuple[bytes, SignatureSlot]], key: KeyMaterial, context: SigningContext
) -> list[bytes]:
    out = []
    for pdf, slot in written:
        data, start, end = _byte_range_written(pdf, slot)
        digest = hashlib.sha256(memoryview(data)[:start])
        digest.update(memoryview(data)[end:])
        cms = await key.signer.async_sign(
            digest.digest(),
            "sha256",
            use_pades=True,
            timestamper=context.timestamper if slot.level != Level.B_B else None,
            signed_attr_settings=PdfCMSSignedAttributes(signing_time=slot.signed_at),
        )
        value = cms.dump().hex().encode()
        if len(value) > slot.reserved:
            raise SigningError(f"signature {slot.field_name} needs {len(value)} bytes, {slot.reserved} were kept")
        data[start + 1 : start + 1 + len(value)] = value
        out.append(bytes(data))
    return out


def _byte_range_written(pdf: bytes, slot: SignatureSlot) -> tuple[bytearray, int, int]:
    """A copy of ``pdf`` with its byte range written over ``slot``'s placeholder, and where the hex string of
    ``/Contents`` starts (its ``<``) and ends (after its ``>``)."""
    n = b"%d" % slot.nonce
    numbers = n + b" " + n + b" " + n
    at = pdf.find(numbers)
    before = _BEFORE.search(pdf, max(0, at - 40), at) if at >= 0 else None
    after = _AFTER.match(pdf, at + len(numbers)) if at >= 0 else None
    if before is None or after is None or pdf.find(numbers, at + 1) >= 0:
        raise SigningError(f"the PDF does not hold one place for signature {slot.field_name}")
    start = after.end() - 1
    end = start + slot.reserved + 2
    if pdf[end - 1 : end] != b">" or pdf[start + 1 : end - 1].strip(b"0"):
        raise SigningError(f"the PDF does not keep {slot.reserved} bytes for signature {slot.field_name}")
    first, last = before.start(), after.start() + after.group().index(b"]") + 1
    written = f"/ByteRange [0 {start} {end} {len(pdf) - end}]".encode()
    if len(written) > last - first:
        raise SigningError(f"the PDF is too large for signature {slot.field_name}'s byte range")
    data = bytearray(pdf)
    data[first:last] = written.ljust(last - first)
    return data, start, end
