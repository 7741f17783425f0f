"""The audit trail: every action appended to a log whose entries are chained by hash (each holds the hash of the
one before), so an edited, removed or reordered entry shows."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class Entry:
    seq: int
    at: datetime
    actor: str
    action: str
    object_id: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def entry_hash(
    prev_hash: str, seq: int, at: datetime, actor: str, action: str, object_id: str | None, detail: dict[str, Any]
) -> str:
    body = json.dumps(
        [seq, at.isoformat(timespec="microseconds"), actor, action, object_id, detail],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def chained(
    prev_hash: str, seq: int, at: datetime, actor: str, action: str, object_id: str | None, detail: dict[str, Any]
) -> Entry:
    """The entry that follows the one hashed ``prev_hash``, its own hash computed."""
    digest = entry_hash(prev_hash, seq, at, actor, action, object_id, detail)
    return Entry(seq, at, actor, action, object_id, detail, prev_hash, digest)


def entry_columns(entry: Entry) -> dict[str, Any]:
    """The entry as the audit log's columns (same names)."""
    return dict(vars(entry))


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason_en: str
    reason_vi: str


def first_break(entries: list[Entry], head_seq: int, head_hash: str) -> ChainBreak | None:
    """The first entry that does not fit the chain (``entries`` in order of seq), or None if the chain holds.
    The head (the last entry written, kept apart) shows entries removed from the end."""
    prev, expected_seq = GENESIS, 1
    for e in entries:
        if e.seq != expected_seq:
            return ChainBreak(expected_seq, f"entry {expected_seq} is missing", f"thiếu mục {expected_seq}")
        if e.prev_hash != prev:
            return ChainBreak(e.seq, f"entry {e.seq} does not follow entry {e.seq - 1}", f"mục {e.seq} không nối tiếp")
        if entry_hash(e.prev_hash, e.seq, e.at, e.actor, e.action, e.object_id, e.detail) != e.hash:
            return ChainBreak(e.seq, f"entry {e.seq} was changed", f"mục {e.seq} đã bị sửa")
        prev, expected_seq = e.hash, e.seq + 1
    if expected_seq - 1 != head_seq or prev != head_hash:
        return ChainBreak(
            expected_seq, f"entries after {expected_seq - 1} were removed", f"các mục sau {expected_seq - 1} đã bị xóa"
        )
    return None
