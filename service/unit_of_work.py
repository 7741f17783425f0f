"""One transaction boundary: ``with uow() as tx: ...; tx.commit()``. Anything not committed is rolled back.

Implements ``service.services.ports.UnitOfWork`` and ``Database``; the session is the unit of work's own, reached
only through ``tx.repo``."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from service.adapters.orm import make_engine
from service.adapters.repository import Repository


class UnitOfWork:
    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def __enter__(self) -> UnitOfWork:
        self._session = self._factory()
        self.repo = Repository(self._session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._session.close()  # rolls back what was not committed; loaded objects stay readable

    def commit(self) -> None:
        self._session.commit()


class Database:
    """The engine and session factory of one process."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        self._factory = sessionmaker(self.engine, expire_on_commit=False)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self._factory)

    def dispose(self) -> None:
        self.engine.dispose()
