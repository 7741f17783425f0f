"""Runtimes the integration tests build in-process: on SQLite or a throw-away PostgreSQL database, and one whose
batches go in chunks of three with a list of seven call-up letters (giấy triệu tập) to cut into them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from service.adapters.converter import Converter
from service.config import Settings
from service.runtime import Runtime, prepare
from service.services.requesting import BatchLimits, BatchRequested, RequestBatch, request_batch
from signing.pki import DemoPki
from tests.backends import postgres_database
from tests.fakes import PKI_PASSWORD

SEVEN_STUDENTS = "Họ và tên,Ngày sinh,Đơn vị công tác\n" + "".join(
    f"Học Viên Số {i:02d},0{1 + i % 9}/0{1 + i % 9}/1990,Xã {i}\n" for i in range(7)
)
"""A list of seven students: three chunks of a batch cut in threes."""


@contextmanager
def runtime_on(database: str, data_dir: Path, pki_dir: Path, converter: Converter) -> Iterator[Runtime]:
    """A prepared runtime on ``database`` (``sqlite``, in ``data_dir``, or ``postgresql``, dropped afterwards) with
    the PKI in ``pki_dir`` and ``converter`` (the session's warm LibreOffice)."""

    @contextmanager
    def database_url() -> Iterator[str | None]:
        if database == "sqlite":
            yield None
        else:
            with postgres_database() as url:
                yield url

    with database_url() as url:
        settings = Settings(data_dir=data_dir, database_url=url, pki_dir=pki_dir, pki_password=PKI_PASSWORD)
        prepare(settings)
        runtime = Runtime(settings, converter=converter)
        yield runtime
        runtime.db.dispose()


def chunked_runtime(data_dir: Path, pki: DemoPki) -> Runtime:
    """A prepared runtime on SQLite whose batches go in chunks of three."""
    settings = Settings(data_dir=data_dir, pki_dir=pki.directory, pki_password=PKI_PASSWORD, batch_chunk_size=3)
    prepare(settings)
    return Runtime(settings)


def request_seven_call_ups(runtime: Runtime) -> BatchRequested:
    """A batch of call-up letters for :data:`SEVEN_STUDENTS`, in chunks of three, requested and not yet made."""
    batch = {k: v for k, v in runtime.templates.get("giay-trieu-tap").example.items() if k != "student"}
    return request_batch(
        runtime.db,
        runtime.templates,
        RequestBatch(template_id="giay-trieu-tap", class_list=SEVEN_STUDENTS.encode(), filename="l.csv", data=batch),
        clock=runtime.clock,
        limits=BatchLimits(chunk_size=3),
    )
