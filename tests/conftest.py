"""Shared fixtures: a throw-away demo PKI, a real LibreOffice converter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.adapters.converter import Converter
from service.config import PROJECT_ROOT
from signing.pki import DemoPki, make_demo_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    return make_demo_pki(tmp_path_factory.mktemp("pki"), "test-password")


@pytest.fixture(scope="session")
def converter() -> Iterator[Converter]:
    conv = Converter(PROJECT_ROOT / ".venv-uno" / "bin" / "python", timeout=60)
    conv.start()
    yield conv
    conv.stop()
