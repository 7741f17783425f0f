"""After a crash: two deliveries of the same work record one result; the start-up sweep sends again only work no
live worker can be doing, and gives a job up, its numbers kept and shown as failed, after too many interruptions."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from service.adapters.converter import Converter
from service.runtime import Runtime
from service.services.recovery import sweep
from service.services.requesting import RequestDocument, request_document
from signing.pki import DemoPki
from tests.integration.runtimes import chunked_runtime, request_seven_call_ups


class SecondDelivery:
    """The real converter; before its first conversion, the same work's other delivery runs to its end (as when a
    message comes back after a crash while the sweep sent it again)."""

    def __init__(self, converter: Converter) -> None:
        self.converter = converter
        self.other: Callable[[], object] | None = None

    def to_pdf(self, docx: bytes, timeout: float | None = None, *, tagged: bool = True) -> bytes:
        other, self.other = self.other, None
        if other is not None:
            other()
        return self.converter.to_pdf(docx, tagged=tagged)

    def stop(self) -> None:
        """Leaves the wrapped converter running: it is the session's, stopped when the session ends."""


@pytest.fixture
def runtime(tmp_path: Path, pki: DemoPki) -> Runtime:
    return chunked_runtime(tmp_path, pki)


def _direct(example: dict[str, object]) -> RequestDocument:
    return RequestDocument(template_id="giay-trieu-tap", data=example, workflow="direct")


def _batch(runtime: Runtime) -> tuple[str, str]:
    requested = request_seven_call_ups(runtime)
    return requested.batch_id, requested.job_id


def test_a_chunk_delivered_twice_at_once_is_recorded_once(runtime: Runtime, converter: Converter) -> None:
    twice = SecondDelivery(converter)
    runtime = Runtime(runtime.settings, converter=twice)
    batch_id, job_id = _batch(runtime)
    inner: dict[str, object] = {}

    def other() -> None:
        inner["issued"] = runtime.production.produce_chunk(batch_id, 1)
        with runtime.db.uow() as tx:
            inner["pdfs"] = {d.id: d.pdf_sha256 for d in tx.repo.documents_of_batch(batch_id, 3, 6)}

    twice.other = other
    assert runtime.production.produce_chunk(batch_id, 1) == 0  # the other delivery issued them meanwhile
    assert inner["issued"] == 3
    with runtime.db.uow() as tx:
        assert {d.id: d.pdf_sha256 for d in tx.repo.documents_of_batch(batch_id, 3, 6)} == inner["pdfs"]
        assert tx.repo.job(job_id).done == 3  # not 6


def test_a_document_delivered_twice_at_once_is_recorded_once(runtime: Runtime, converter: Converter) -> None:
    twice = SecondDelivery(converter)
    runtime = Runtime(runtime.settings, converter=twice)
    example = runtime.templates.get("giay-trieu-tap").example
    requested = request_document(runtime.db, runtime.templates, _direct(example))
    inner: dict[str, object] = {}

    def other() -> None:
        runtime.production.produce_document(requested.document_id)
        with runtime.db.uow() as tx:
            doc = tx.repo.document(requested.document_id)
            inner["doc"] = (doc.number, doc.pdf_sha256, doc.signed_at)

    twice.other = other
    runtime.production.produce_document(requested.document_id)
    with runtime.db.uow() as tx:
        doc = tx.repo.document(requested.document_id)
        assert (doc.number, doc.pdf_sha256, doc.signed_at) == inner["doc"]
        assert tx.repo.counter("TCT", "default", doc.year or 0) == 1  # one number taken
        entries, _, _ = tx.repo.audit_chain()
    assert [e.action for e in entries if e.object_id == doc.id].count("render") == 1


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_sweep_sends_again_what_no_live_worker_does(runtime: Runtime, converter: Converter) -> None:
    runtime = Runtime(runtime.settings, converter=converter)
    batch_id, job_id = _batch(runtime)
    runtime.production.produce_chunk(batch_id, 1)  # chunk 1 done before the crash; 0 and 2 were lost
    example = runtime.templates.get("giay-trieu-tap").example
    single = request_document(runtime.db, runtime.templates, _direct(example))
    sent: list[tuple[str, list[object]]] = []

    def send(name: str, args: list[object]) -> None:
        sent.append((name, args))

    with runtime.db.uow() as tx:  # another node, on another machine, beats: it may be doing this work
        tx.repo.beat("another-host:4242", True, "converter pid 1")
        tx.commit()
    swept = sweep(runtime.db, send, "me", 5.0, 3)
    assert sent == [] and swept.skipped_live_workers == ["another-host:4242"]
    with runtime.db.uow() as tx:
        tx.repo.forget_worker("another-host:4242")
        # the node that was killed a second ago, on this machine: a fresh heartbeat, but its process is gone
        tx.repo.beat(f"{socket.gethostname()}:{_dead_pid()}", True, "converter pid 1")
        tx.commit()
    sweep(runtime.db, send, "me", 5.0, 3)
    assert sorted(sent, key=str) == sorted(
        [
            ("vanban.produce_document", [single.document_id]),
            ("vanban.produce_batch_chunk", [batch_id, 0]),
            ("vanban.produce_batch_chunk", [batch_id, 2]),
        ],
        key=str,
    )
    for name, args in sent:  # the work sent again completes
        if name == "vanban.produce_batch_chunk":
            runtime.production.produce_chunk(str(args[0]), int(str(args[1])))
        else:
            runtime.production.produce_document(str(args[0]))
    with runtime.db.uow() as tx:
        assert tx.repo.job(job_id).status == "succeeded" and tx.repo.job(single.job_id).status == "succeeded"
        assert [d.number for d in tx.repo.documents_of_batch(batch_id)] == list(range(1, 8))
    sent.clear()
    assert sweep(runtime.db, send, "me", 5.0, 3).chunks == [] and sent == []  # nothing left to do


def test_a_job_interrupted_too_often_fails_and_keeps_its_numbers(runtime: Runtime, converter: Converter) -> None:
    runtime = Runtime(runtime.settings, converter=converter)
    batch_id, job_id = _batch(runtime)
    sends: list[object] = []
    sweep(runtime.db, lambda name, args: sends.append(args), "me", 5.0, 3)
    runtime.production.produce_chunk(batch_id, 0)  # progress between two crashes: the count starts again
    for _ in range(3):
        sweep(runtime.db, lambda name, args: sends.append(args), "me", 5.0, 3)
    assert len(sends) == 3 + 3 * 2
    with runtime.db.uow() as tx:
        error = tx.repo.job(job_id).error
        assert error is not None and error["sweeps"] == 3 and tx.repo.job(job_id).status == "running"
    swept = sweep(runtime.db, lambda name, args: sends.append(args), "me", 5.0, 3)
    assert swept.given_up == [job_id] and len(sends) == 9
    with runtime.db.uow() as tx:
        job = tx.repo.job(job_id)
        docs = tx.repo.documents_of_batch(batch_id)
        entries = tx.repo.register_entries("TCT", "default", docs[0].year or 0)
        failed = tx.repo.failed_documents([d.id for d in docs])
    assert job.status == "failed" and job.error is not None and job.error["final"] is True
    assert job.error["code"] == "interrupted" and "gián đoạn" in job.error["message_vi"]
    assert "interrupted 3 times" in job.error["message"]
    assert [d.status for d in docs] == ["issued"] * 3 + ["failed"] * 4
    assert [d.number for d in docs] == list(range(1, 8))
    assert [e.number for e in entries] == list(range(1, 8))  # the register still accounts for every number
    assert failed == {d.id for d in docs[3:]}  # and shows which ones failed
