"""The few DER encodings the templated signature paths need (lengths and wrapping); asn1crypto does the rest."""

from __future__ import annotations


def length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def wrap(tag: int, content: bytes) -> bytes:
    """One TLV: ``tag`` (a single identifier octet), the length of ``content``, ``content``."""
    return bytes([tag]) + length(len(content)) + content


def content_of(tlv: bytes) -> bytes:
    """The content octets of one TLV (definite length)."""
    first = tlv[1]
    start = 2 if first < 0x80 else 2 + (first & 0x7F)
    return tlv[start:]


class Splice:
    """A template with fixed-length fields at known offsets: ``fill`` returns a copy with new values put in."""

    def __init__(self, template: bytes, fields: dict[str, bytes]) -> None:
        self.template = template
        self.offsets: dict[str, tuple[int, int]] = {}
        for name, probe in fields.items():
            if template.count(probe) != 1:
                raise ValueError(f"template field {name} is not unique")
            self.offsets[name] = (template.index(probe), len(probe))

    def fill(self, values: dict[str, bytes], into: bytearray | None = None) -> bytearray:
        out = into if into is not None else bytearray(self.template)
        for name, value in values.items():
            start, size = self.offsets[name]
            if len(value) != size:
                raise ValueError(f"template field {name} takes {size} bytes, not {len(value)}")
            out[start : start + size] = value
        return out
