from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from service.adapters.archive import Archive
from service.errors import ArchiveCorrupted, ArchiveError


def test_content_addressed_write_once(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    digest = archive.put(b"%PDF-1.7 one", ".pdf")
    assert digest == hashlib.sha256(b"%PDF-1.7 one").hexdigest()
    path = tmp_path / digest[:2] / digest[2:4] / f"{digest}.pdf"
    assert path.read_bytes() == b"%PDF-1.7 one"
    assert not os.access(path, os.W_OK) or os.geteuid() == 0  # stored read-only (root may write anyway)
    assert oct(path.stat().st_mode & 0o777) == oct(0o444)
    inode = path.stat().st_ino
    assert archive.put(b"%PDF-1.7 one", ".pdf") == digest  # same bytes: first copy kept
    assert path.stat().st_ino == inode
    assert archive.get(digest, ".pdf") == b"%PDF-1.7 one"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".incoming")]


def test_a_read_verifies_the_hash(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    digest = archive.put(b"original", ".pdf")
    path = tmp_path / digest[:2] / digest[2:4] / f"{digest}.pdf"
    path.chmod(0o644)
    path.write_bytes(b"tampered")
    with pytest.raises(ArchiveCorrupted):
        archive.get(digest, ".pdf")
    with pytest.raises(ArchiveError):
        archive.get("0" * 64, ".pdf")
    with pytest.raises(ArchiveError):
        archive.get("../../etc/passwd", ".pdf")
