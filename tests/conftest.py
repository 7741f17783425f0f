"""Shared fixtures: a throw-away demo PKI, a real LibreOffice converter, moto's S3 server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest

from service.adapters.converter import Converter
from service.adapters.renderer import render_docx
from service.adapters.template_files import TemplateFolder
from service.config import PROJECT_ROOT
from service.services.production import render_context
from signing.pki import DemoPki, make_demo_pki
from tests.backends import S3Server, s3_server
from tests.fakes import PKI_PASSWORD


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    return make_demo_pki(tmp_path_factory.mktemp("pki"), PKI_PASSWORD)


@pytest.fixture(scope="session")
def letter_docx() -> bytes:
    """The call-up letter template filled with its example, numbered 05/GTT-TCT on 4 February 2026."""
    template = TemplateFolder(PROJECT_ROOT / "templates_docx").get("giay-trieu-tap")
    data = json.loads(json.dumps(template.example))
    return render_docx(template.docx, render_context(template, data, "05/GTT-TCT", date(2026, 2, 4)))


@pytest.fixture(scope="session")
def letter_pdf(converter: Converter, letter_docx: bytes) -> bytes:
    """That letter as LibreOffice makes it, unsigned."""
    return converter.to_pdf(letter_docx)


@pytest.fixture(scope="session")
def converter() -> Iterator[Converter]:
    conv = Converter(timeout=60)
    conv.start()
    yield conv
    conv.stop()


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A real S3 API (moto's server) on 127.0.0.1 for this test process."""
    with s3_server(tmp_path_factory.mktemp("moto")) as server:
        yield server
