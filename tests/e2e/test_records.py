"""Records through the real service (embedded: SQLite, LibreOffice, the demo PKI): a class's call-up letters made
as a batch carry their archive metadata (``GET /api/v1/documents/{id}``, in the OpenAPI schema); the batch is
filed in a hồ sơ in one step, the hồ sơ closed and exported through the API and through ``vanban records export``:
the same files, the XML valid against the shipped XSD, every PDF re-hashed and verified by pdfsig; an edXML
package for a recipient parses back to the document; an issued letter answers every change with 409."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from service.adapters.records_xml import LxmlRecords
from service.config import PROJECT_ROOT
from tests.backends import ServiceProcesses
from tests.e2e.test_cli import api_batch, vanban
from tests.pdftools import check_pdf

pytestmark = pytest.mark.slow
EXAMPLE = json.loads((PROJECT_ROOT / "templates_docx/giay-trieu-tap/example.json").read_text(encoding="utf-8"))
CODE = "2026.ĐT.K12"


def _unzipped(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name.removeprefix(f"{CODE}/"): z.read(name) for name in z.namelist()}


@pytest.mark.parametrize("service", ["embedded"], indirect=True)
def test_a_batch_is_filed_exported_and_sent_as_records(service: ServiceProcesses, tmp_path: Path) -> None:
    batch_data = {k: v for k, v in EXAMPLE.items() if k != "student"}
    with service.client() as c:
        batch_id = api_batch(c, batch_data)
        letters = [
            c.get(f"/api/v1/documents/{d['id']}").json()
            for d in c.get(f"/api/v1/batches/{batch_id}").json()["documents"]
        ]
        first = letters[0]
        metadata = first["metadata"]
        assert f"{metadata['code_number']}/{metadata['code_notation']}" == first["notation"]
        assert (metadata["type_name"], metadata["organ_name"]) == ("Giấy triệu tập", EXAMPLE["organisation"]["name"])
        assert (metadata["page_amount"], metadata["priority"], metadata["retention_years"]) == (1, "thường", 10)
        assert metadata["to"] == EXAMPLE["recipients"] and metadata["file_code"] is None
        schema = c.get("/openapi.json").json()["components"]["schemas"]
        assert "ArchiveMetadataOut" in schema and "page_amount" in schema["ArchiveMetadataOut"]["properties"]

        created = c.post("/api/v1/records", json={"code": CODE, "title": "Hồ sơ lớp K12", "start_date": "2026-01-01"})
        assert created.status_code == 201, created.text
        filed = c.post(f"/api/v1/records/{CODE}/documents", json={"batch_id": batch_id})
        assert filed.status_code == 200, filed.text
        assert [d["metadata"]["doc_ordinal"] for d in filed.json()["documents"]] == [1, 2, 3, 4, 5]
        assert c.post(f"/api/v1/records/{CODE}:close").status_code == 200
        again = c.post(f"/api/v1/records/{CODE}/documents", json={"document_ids": [first["id"]]})
        assert again.status_code == 409 and again.json()["code"] == "file_closed", again.text
        exported = c.get(f"/api/v1/records/{CODE}/export")
        assert exported.status_code == 200 and exported.headers["content-type"] == "application/zip"

        recipients = c.get(f"/api/v1/documents/{first['id']}/edxml").json()["recipients"]
        assert recipients == ["Ban Giám hiệu"]
        package = c.get(f"/api/v1/documents/{first['id']}/edxml/1")
        assert package.status_code == 200, package.text
        message = LxmlRecords().read_edxml(package.content)
        pdf = c.get(f"/api/v1/documents/{first['id']}/pdf").content

        for route in (":issue", ":submit", ":reject"):  # an issued record is never changed
            refused = c.post(f"/api/v1/documents/{first['id']}{route}", json={"reason": "x"})
            assert refused.status_code == 409 and refused.json()["code"] == "record_kept", (route, refused.text)
            assert "không bao giờ bị" in refused.json()["message_vi"]

    assert (message.recipient.organ_name, message.document_id) == ("Ban Giám hiệu", first["id"])
    assert (message.code_number, message.code_notation) == (metadata["code_number"], metadata["code_notation"])
    assert (message.promulgation_date.isoformat(), message.place) == (first["issued_on"], EXAMPLE["place"])
    assert (message.subject, message.signer.full_name) == (metadata["subject"], EXAMPLE["signer"]["name"])
    assert message.pdf == pdf

    from_api = _unzipped(exported.content)
    made = vanban(
        "records", "export", CODE, "-o", str(tmp_path / "cli.zip"), data_dir=service.data_dir, env=service.env
    )
    assert made.returncode == 0, made.stderr
    assert _unzipped((tmp_path / "cli.zip").read_bytes()) == from_api  # one service function, one export

    LxmlRecords().check_file_xml(from_api["hoso.xml"])
    manifest = [line.split("  ", 1) for line in from_api["manifest-sha256.txt"].decode().splitlines()]
    assert sorted(name for _, name in manifest) == sorted(set(from_api) - {"manifest-sha256.txt"})
    pdfs = [name for _, name in manifest if name.endswith(".pdf")]
    assert len(pdfs) == 5
    for digest, name in manifest:
        assert hashlib.sha256(from_api[name]).hexdigest() == digest, name
    assert {hashlib.sha256(from_api[n]).hexdigest() for n in pdfs} == {d["pdf_sha256"] for d in letters}
    path = tmp_path / "letter.pdf"
    path.write_bytes(from_api[pdfs[0]])
    assert "1 signature(s)" in check_pdf(path)
