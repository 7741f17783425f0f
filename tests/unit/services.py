"""What the service-layer unit tests share: the shipped templates over a fake database and archive, people, a
clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from service.adapters.template_files import TemplateFolder
from service.domain.clock import FixedClock
from service.domain.office import Principal
from service.services.templates import TemplateCatalog
from tests.fakes import FakeArchive, FakeDatabase

TEMPLATES = Path(__file__).resolve().parents[2] / "templates_docx"
CALL_UP = "giay-trieu-tap"  # issued directly, one letter per student
REQUESTER = Principal("u-hoa", "chuyenvien", "Nguyễn Thị Hoa", "Chuyên viên", "TCT", frozenset({"requester"}))
OTHER_REQUESTER = Principal("u-nam", "vanthu_tdtn", "Lê Văn Nam", "Văn thư", "TCT", frozenset({"requester"}))


@dataclass
class Service:
    """The service's parts a use case needs, every one of them in memory."""

    clock: FixedClock = field(default_factory=lambda: FixedClock(datetime(2027, 3, 4, 9, 0, tzinfo=UTC)))
    db: FakeDatabase = field(default_factory=FakeDatabase)
    archive: FakeArchive = field(default_factory=FakeArchive)

    @property
    def templates(self) -> TemplateCatalog:
        return TemplateCatalog(TemplateFolder(TEMPLATES), self.db, self.archive, self.clock)

    def example(self, template_id: str = CALL_UP) -> dict[str, Any]:
        return dict(self.templates.get(template_id).example)
