"""Files of records (hồ sơ): ``/api/v1/records``. Clerks (văn thư) of a body and admins manage them; the body's
people read them (the documents in them that they may see)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Response

from service.api.deps import CurrentUser, RuntimeDep
from service.api.responses import ERRORS, ZIP, download, file_of
from service.api.schemas import (
    BatchToFileOut,
    DocumentOut,
    FileDocumentsIn,
    RecordFileDetail,
    RecordFileIn,
    RecordFileOut,
)
from service.domain.data_fields import field_name
from service.domain.records import RecordFile
from service.services.records import NewFile

router = APIRouter(prefix="/api/v1/records", tags=["records"], responses=ERRORS)


def _file_out(file: RecordFile) -> RecordFileOut:
    fields = {**vars(file), "retention_years": file.retention.years, "rights": file.rights.value}
    return RecordFileOut.model_validate({name: fields[name] for name in RecordFileOut.model_fields})


@router.post("", status_code=201)
def create_file(body: RecordFileIn, rt: RuntimeDep, who: CurrentUser, response: Response) -> RecordFileOut:
    """Open a hồ sơ (clerk of the body, admin)."""
    spec = NewFile(**body.model_dump())
    file = rt.records.create(who, spec)
    response.headers["Location"] = f"/api/v1/records/{quote(file.code)}"  # a header is Latin-1: Đ is escaped
    return _file_out(file)


@router.get("")
def list_files(rt: RuntimeDep, who: CurrentUser) -> list[RecordFileOut]:
    """The hồ sơ of the caller's body (an admin: all), by code."""
    return [_file_out(f) for f in rt.records.files(who)]


@router.get("/{code}")
def get_file(code: str, rt: RuntimeDep, who: CurrentUser) -> RecordFileDetail:
    view = rt.records.read(who, code)
    return RecordFileDetail(
        **_file_out(view.file).model_dump(), documents=[DocumentOut.model_validate(d) for d in view.documents]
    )


@router.get("/{code}/batches")
def batches_to_file(code: str, rt: RuntimeDep, who: CurrentUser) -> list[BatchToFileOut]:
    """The body's batches with issued letters in no hồ sơ yet, the newest first: for the clerks and admins filing
    into this hồ sơ (a batch ``whole`` is filed at once with ``batch_id``)."""
    return [
        BatchToFileOut(
            id=b.batch.id,
            template=b.batch.template_id,
            class_name=field_name(b.batch.data, "class") or None,
            requested_at=b.batch.created_at,
            letters=b.letters,
            to_file=b.to_file,
            first=b.first,
            last=b.last,
            whole=b.whole,
        )
        for b in rt.records.batches_to_file(who, code)
    ]


@router.post("/{code}/documents")
def file_documents(code: str, body: FileDocumentsIn, rt: RuntimeDep, who: CurrentUser) -> RecordFileDetail:
    """Put issued documents in the open hồ sơ (by id, or a whole batch's letters), all or none; 409 when closed."""
    rt.records.file_documents(who, code, body.document_ids, body.batch_id)
    return get_file(code, rt, who)


@router.post("/{code}:close")
def close_file(code: str, rt: RuntimeDep, who: CurrentUser) -> RecordFileOut:
    """Close the hồ sơ: no more documents (its end date, if not set, is its last document's date)."""
    return _file_out(rt.records.close(who, code))


@router.post("/{code}:propose-destruction")
def propose_destruction(code: str, rt: RuntimeDep, who: CurrentUser) -> RecordFileOut:
    """An admin marks a closed hồ sơ whose retention is over for destruction; audited, nothing deleted. 409 while
    its retention runs (or when it is permanent)."""
    return _file_out(rt.records.propose_destruction(who, code))


@router.get("/{code}/export", response_class=Response, responses=file_of(ZIP, "the hồ sơ as a ZIP"))
def export_file(code: str, rt: RuntimeDep, who: CurrentUser) -> Response:
    """The hồ sơ for transfer to the archive: its PDFs, ``hoso.xml`` (valid against the shipped ``hoso.xsd``) and
    ``manifest-sha256.txt`` (clerk of the body, admin). ``vanban records export`` makes the same ZIP."""
    file = rt.records.export(who, code)
    return download(file.data, file.media_type, file.name)
