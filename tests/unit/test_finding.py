"""What people type to find a document, compared without accents; the signing agent's address is on the leader's
own computer only."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from service.config import Settings
from service.domain.vietnamese import folded, slug


def test_folded_drops_accents_case_and_punctuation() -> None:
    assert folded("  Nguyễn Thị ĐÀO, 05/QĐ-TCT ") == "nguyen thi dao 05 qd tct"
    assert folded("Nguye\u0302\u0303n") == "nguyen"  # decomposed input too
    assert folded("—") == ""
    assert slug("Nguyễn Thị Đào") == "nguyen-thi-dao" and slug("—") == "van-ban"


@pytest.mark.parametrize("url", ["http://evil.example:8711", "https://127.0.0.1:8711", "http://127.0.0.1:8711/x"])
def test_the_sign_agent_is_on_this_computer_only(url: str) -> None:
    with pytest.raises(ValidationError, match="sign_agent_url"):
        Settings(sign_agent_url=url)
    assert Settings(sign_agent_url="http://localhost:9000").sign_agent_url == "http://localhost:9000"
