"""Fixity (kiểm tra tính toàn vẹn): every archived file the records refer to is read back and re-hashed.

``vanban archive check`` and the optional Celery beat task (``VANBAN_ARCHIVE_CHECK_HOURS``) both call
:func:`check_and_record`: it lists the files that are missing or whose bytes changed, each with its owner (the
document's id, or the template's) and its key in the archive, and appends the result to the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from service.errors import ArchiveCorrupted, ArchiveError, ArchiveMissing, ArchiveUnreachable
from service.services.ports import Archive, Database, StoredObject

Progress = Callable[[int, int], None]
"""Called with (files checked, files to check) as the check goes on."""

MISSING, CHANGED, UNREADABLE = "missing", "changed", "unreadable"
_PROBLEMS_AUDITED = 100  # an audit entry names at most this many problems (the count is always there)


@dataclass(frozen=True, kw_only=True)
class FixityProblem:
    """A referenced file that is ``missing``, ``changed`` (its bytes no longer match their sha256) or
    ``unreadable`` (the store refused it), as ``stored`` names it, at ``key`` in the archive."""

    stored: StoredObject
    key: str
    problem: str
    message_en: str
    message_vi: str

    def to_dict(self) -> dict[str, str]:
        return {
            "problem": self.problem,
            "owner": self.stored.owner,
            "owner_id": self.stored.owner_id,
            "role": self.stored.role,
            "key": self.key,
        }


@dataclass(frozen=True, kw_only=True)
class FixityReport:
    """``checked`` distinct files (``references`` references to them) in ``location``; what is wrong (nothing: the
    archive is whole)."""

    location: str
    checked: int
    references: int
    problems: tuple[FixityProblem, ...]

    def summary(self) -> dict[str, object]:
        return {
            "location": self.location,
            "checked": self.checked,
            "references": self.references,
            "problems": len(self.problems),
            "first_problems": [p.to_dict() for p in self.problems[:_PROBLEMS_AUDITED]],
        }


def check_archive(
    archive: Archive, db: Database, *, progress: Progress | None = None, readers: int = 4
) -> FixityReport:
    """Read back and re-hash every file the database refers to (each distinct file once, ``readers`` at a time).
    A store that does not answer (or refuses to open) stops the check (:class:`~service.errors.ArchiveUnreachable`,
    ``ArchiveRefused``): that is no finding about the files."""
    archive.ping()
    with db.uow() as tx:
        objects = tx.repo.stored_objects()
    owners: dict[tuple[str, str], list[StoredObject]] = {}
    for stored in objects:
        owners.setdefault((stored.digest, stored.suffix), []).append(stored)
    files = list(owners)
    problems: list[FixityProblem] = []

    def verify(file: tuple[str, str]) -> ArchiveError | None:
        try:
            archive.get(*file)
        except ArchiveUnreachable:
            raise
        except ArchiveError as exc:
            return exc
        return None

    if progress is not None:
        progress(0, len(files))
    with ThreadPoolExecutor(readers, thread_name_prefix="fixity") as pool:
        for done, (file, error) in enumerate(zip(files, pool.map(verify, files), strict=True), start=1):
            if error is not None:
                problems += [_problem(archive, stored, error) for stored in owners[file]]
            if progress is not None:
                progress(done, len(files))
    return FixityReport(
        location=archive.location, checked=len(files), references=len(objects), problems=tuple(problems)
    )


def check_and_record(archive: Archive, db: Database, actor: str, *, progress: Progress | None = None) -> FixityReport:
    """:func:`check_archive`, its result appended to the audit trail (action ``archive_check``) by ``actor``."""
    report = check_archive(archive, db, progress=progress)
    with db.uow() as tx:
        tx.repo.append_audit(actor, "archive_check", None, report.summary())
        tx.commit()
    return report


def _problem(archive: Archive, stored: StoredObject, error: ArchiveError) -> FixityProblem:
    try:
        key = archive.locate(stored.digest, stored.suffix)
    except ArchiveError:
        key = stored.digest  # not a sha256 at all: the record itself is wrong
    kind = (
        MISSING if isinstance(error, ArchiveMissing) else CHANGED if isinstance(error, ArchiveCorrupted) else UNREADABLE
    )
    return FixityProblem(stored=stored, key=key, problem=kind, message_en=error.message_en, message_vi=error.message_vi)
