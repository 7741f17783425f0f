"""The objects one process shares (database, templates, archive, converter, keys), built once from Settings."""

from __future__ import annotations

import logging
import os
import socket
import threading
from functools import cached_property
from typing import Protocol

from service.adapters.archive import open_archive
from service.adapters.converter import Converter
from service.adapters.job_signals import JobSignals, job_signals
from service.adapters.metrics import METRICS, PrometheusMetrics
from service.adapters.migrate import upgrade, upgrade_apart
from service.adapters.orm import DocumentRow
from service.adapters.pdf_pages import PdfPageTools
from service.adapters.records_xml import LxmlRecords
from service.adapters.renderer import DocxRenderer
from service.adapters.template_files import TemplateFolder
from service.adapters.webhook_sender import HttpWebhookSender
from service.config import Settings
from service.domain.clock import Clock, SystemClock
from service.domain.templates import Template
from service.services import ports
from service.services.exchange import Exchange
from service.services.issuing import Issuer
from service.services.jobs import LongPolls
from service.services.production import OrganisationSignature, Production
from service.services.records import Records
from service.services.review import Review
from service.services.templates import TemplateCatalog
from service.services.webhooks import Enqueue, Webhooks
from service.unit_of_work import Database
from signing import KeyMaterial, load_pkcs12
from signing.pki import make_demo_pki
from signing.sign import Level, SigningContext
from signing.timestamps import http_tsa, local_tsa
from signing.trust import Trust

log = logging.getLogger(__name__)


def prepare(settings: Settings, *, lives_on: bool = False) -> None:
    """Once per start: refuse insecure settings, create folders, migrate the schema, make the demo PKI. ``lives_on``:
    the caller is the API or a worker node, which migrates in a process of its own (``upgrade_apart``)."""
    settings.check()
    folders = [settings.data_dir, settings.queue_dir, settings.queue_dir / "control"]
    for folder in folders + ([settings.archive] if settings.archive_in_folder else []):
        folder.mkdir(parents=True, exist_ok=True)
    (upgrade_apart if lives_on else upgrade)(settings.database)
    if not settings.production:
        make_demo_pki(settings.pki, settings.pki_password)


class PdfConverter(ports.PdfConverter, Protocol):
    """What the Runtime converts with: a LibreOffice of its own, a worker node's shared one, or a test's."""

    def stop(self) -> None: ...


class Runtime:
    """Built from ``settings``; ``converter`` replaces the LibreOffice it would start (a worker process converts
    through its node's, a test through the session's warm one). ``clock``: the one clock of the process, handed to
    every service that dates or times something; the machine's clock, or ``VANBAN_CLOCK_START`` when set; tests pass
    their own. ``enqueue``: how this process sends a task (the API's or the worker's Celery app sets it; else one is
    made on first use): webhook deliveries are sent with it."""

    def __init__(
        self, settings: Settings, *, converter: PdfConverter | None = None, clock: Clock | None = None
    ) -> None:
        self.settings = settings
        self._converter = converter
        self._key_lock = threading.Lock()
        self._key: KeyMaterial | None = None
        if clock is None:
            start = settings.clock_start
            clock = SystemClock() if start is None else SystemClock.starting_at(start)
        self.clock: Clock = clock
        self.enqueue: Enqueue | None = None
        self.metrics: PrometheusMetrics = METRICS
        # the callers of ``GET /jobs/{id}?wait=`` this process holds, at most ``settings.max_long_polls``
        self.long_polls = LongPolls(settings.max_long_polls)

    @cached_property
    def db(self) -> Database:
        return Database(self.settings.database)

    @cached_property
    def templates(self) -> TemplateCatalog:
        return TemplateCatalog(TemplateFolder(self.settings.templates_dir), self.db, self.archive, self.clock)

    @cached_property
    def archive(self) -> ports.Archive:
        """The local folder or the S3 store that ``VANBAN_ARCHIVE_URL`` names."""
        return open_archive(self.settings)

    @cached_property
    def converter(self) -> PdfConverter:
        if self._converter is not None:
            return self._converter
        return Converter(self.settings.converter_python, timeout=self.settings.converter_timeout)

    def organisation_key(self) -> KeyMaterial:
        """The organisation's key, loaded once per process (the password is read from settings, never from a
        message)."""
        with self._key_lock:
            if self._key is None:
                self._key = load_pkcs12(self.settings.pki / "org.p12", self.settings.pki_password)
            return self._key

    @cached_property
    def trust(self) -> Trust:
        """Trust anchors and revocation data from the PKI folder (ca.pem, ca.crl)."""
        folder = self.settings.pki
        ca, crl = folder / "ca.pem", folder / "ca.crl"
        return Trust.load([ca] if ca.exists() else [], [crl] if crl.exists() else [])

    @cached_property
    def signing_context(self) -> SigningContext:
        """Trust for the revocation check of every signer, and a TSA when the level asks for timestamps."""
        if self.settings.signature_level == "B-B":
            return SigningContext(trust=self.trust)
        if self.settings.tsa_url:
            return SigningContext(timestamper=http_tsa(self.settings.tsa_url), trust=self.trust)
        return SigningContext(local_tsa(self.settings.pki / "tsa.p12", self.settings.pki_password), self.trust)

    @cached_property
    def organisation_signature(self) -> OrganisationSignature:
        seal = self.settings.pki / "seal.png"
        return OrganisationSignature(
            key=self.organisation_key,
            context=self.signing_context,
            level=Level(self.settings.signature_level),
            seal_image=seal.read_bytes() if seal.exists() else None,
        )

    @cached_property
    def pages(self) -> ports.PdfPages:
        """Page-level work on PDFs: split, merge, words, page pictures."""
        return PdfPageTools()

    @cached_property
    def production(self) -> Production:
        return Production(
            self.db,
            self.templates,
            self.converter,
            self.archive,
            self.organisation_signature,
            self.clock,
            renderer=DocxRenderer(),
            pages=self.pages,
            public_url=self.settings.public_url,
            metrics=self.metrics,
            events=self.webhooks,
            job_ends=self.job_signals,
        )

    @cached_property
    def job_signals(self) -> JobSignals:
        """Word of a job's end, from the worker that ended it to the long polls of the API (see the adapter)."""
        return job_signals(self.settings)

    def _template_of(self, doc: DocumentRow) -> Template:
        return self.templates.get(doc.template_id, doc.template_version)

    @cached_property
    def review(self) -> Review:
        return Review(
            db=self.db,
            archive=self.archive,
            template_of=self._template_of,
            context=self.signing_context,
            level=Level(self.settings.signature_level),
            default_signature_image=self.settings.pki / "signature.png",
            clock=self.clock,
            session_seconds=self.settings.signing_session_seconds,
            events=self.webhooks,
            metrics=self.metrics,
        )

    @cached_property
    def issuer(self) -> Issuer:
        seal, template_of = self.organisation_signature, self._template_of
        return Issuer(self.db, self.archive, template_of, seal, self.clock, self.pages, self.webhooks, self.metrics)

    @cached_property
    def records(self) -> Records:
        """The hồ sơ: create, file, close, export (API and ``vanban records``)."""
        return Records(self.db, self.archive, LxmlRecords(), self.clock)

    @cached_property
    def exchange(self) -> Exchange:
        """edXML packages of issued documents for partner bodies."""
        return Exchange(self.db, self.archive, LxmlRecords())

    def _send(self, name: str, args: list[object]) -> None:
        """Send a task through this process's Celery app; a command without one (``vanban batch``) makes its own."""
        if self.enqueue is None:
            from service.worker import make_celery

            celery = make_celery(self.settings)
            self.enqueue = lambda task, arguments: celery.send_task(task, args=arguments)
        self.enqueue(name, args)

    @cached_property
    def webhooks(self) -> Webhooks:
        s = self.settings
        sender = HttpWebhookSender(s.webhook_timeout, s.webhook_allow_private)
        return Webhooks(self.db, sender, self.clock, self._send, s.webhook_max_attempts)

    @cached_property
    def worker_id(self) -> str:
        return f"{socket.gethostname()}:{os.getpid()}"
