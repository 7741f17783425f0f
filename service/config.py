"""Settings: one pydantic-settings class, read from ``VANBAN_*`` environment variables.

The embedded default needs no server: SQLite in the data folder, a local archive folder, a Celery queue on
kombu's filesystem transport, worker processes started with ``vanban serve`` and a demo PKI made on first start.
The scale-out setup differs only in settings (``VANBAN_DATABASE_URL=postgresql+psycopg://...``,
``VANBAN_BROKER_URL=redis://...`` or ``amqp://...``, ``VANBAN_EMBEDDED_WORKERS=0``).
"""

from __future__ import annotations

import os
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.domain.pdf_record import DEFAULT_PUBLIC_URL
from service.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANBAN_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = PROJECT_ROOT / "data"
    database_url: str | None = Field(default=None, description="default: SQLite file in data_dir")
    broker_url: str = Field(default="filesystem://", description="filesystem:// keeps the queue in data_dir")
    queue_name: str = "vanban"
    archive_dir: Path | None = Field(default=None, description="default: data_dir/archive")
    archive_url: str | None = Field(
        default=None,
        pattern=r"^(file:///.*|s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?)$",
        description="file:///path or s3://bucket/prefix; default: the folder archive_dir",
    )
    archive_endpoint_url: str | None = Field(
        default=None, description="S3: an S3-compatible store's endpoint (MinIO, Ceph...); default: AWS"
    )
    archive_region: str | None = Field(default=None, description="S3: the bucket's region")
    archive_access_key_id: str | None = Field(default=None, description="S3: default: boto3's own chain (AWS_*)")
    archive_secret_access_key: SecretStr | None = Field(default=None, description="S3: the access key's secret")
    archive_conditional_put: bool = Field(
        default=True, description="S3: write with If-None-Match: *; off: look first, then write (older stores)"
    )
    archive_retention_days: int = Field(
        default=0, ge=0, description="S3 object lock: keep each object this many days (0: no retention)"
    )
    archive_retention_mode: Literal["COMPLIANCE", "GOVERNANCE"] = Field(
        default="COMPLIANCE", description="S3 object lock mode of that retention"
    )
    archive_check_hours: float = Field(
        default=0, ge=0, description="Celery beat: re-hash the whole archive every so many hours (0: never)"
    )
    templates_dir: Path = PROJECT_ROOT / "templates_docx"
    pki_dir: Path | None = Field(default=None, description="default: data_dir/pki (demo PKI made there)")
    pki_password: str = "demo"
    embedded_workers: bool | None = Field(
        default=None, description="start workers with `serve`; default: yes for the filesystem queue"
    )
    worker_concurrency: int = Field(
        default_factory=lambda: os.cpu_count() or 1, ge=1, description="worker processes per node; default: cores"
    )
    worker_threads: int = Field(
        default_factory=lambda: (os.cpu_count() or 1) + 1,
        ge=1,
        description="tasks run at once by the workers of `serve` (threads of its one process); default: cores + 1",
    )
    converters: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        description="LibreOffices per worker node (each converts one document at a time); default: one per core",
    )
    converter_timeout: float = 60.0
    converter_python: Path = Field(
        default=Path("/usr/bin/python3"), description="python3-uno's interpreter: it runs LibreOffice's server"
    )
    converter_restart_seconds: float = Field(
        default=120.0, description="how long a conversion waits for a crashed LibreOffice to be restarted"
    )
    task_max_retries: int = 3
    task_visibility_seconds: int = Field(
        default=600, ge=30, description="Redis: a task a dead worker held is delivered again after this (> a chunk)"
    )
    max_body_bytes: int = Field(default=1_048_576, description="largest JSON request body")
    max_template_bytes: int = Field(default=5 * 1_048_576, description="largest uploaded template .docx")
    organisation_abbreviation: str = Field(default="TCT", description="register of documents that name no body")
    max_upload_bytes: int = Field(default=50 * 1_048_576, description="largest uploaded file (PDF to verify, ...)")
    heartbeat_seconds: float = 5.0
    class_list_max_rows: int = Field(default=10_000, ge=1, description="rows of a class list past the header")
    class_list_max_unpacked_bytes: int = Field(
        default=10 * 1_048_576, ge=1, description="what an uploaded class list (XLSX unpacked, CSV) may weigh"
    )
    batch_chunk_size: int = Field(default=25, ge=1, le=1000, description="letters per render/convert/sign task")
    signature_level: str = Field(default="B-B", pattern="^B-(B|T|LT|LTA)$", description="PAdES level of issued PDFs")
    tsa_url: str | None = Field(default=None, description="RFC 3161 TSA; default: the demo PKI's own TSA")
    signing_session_seconds: float = Field(default=300, description="how long a two-step signature may take")
    bootstrap_api_key: str | None = Field(
        default=None, description="at start, create this API key once (every role, default organisation)"
    )
    access_token_minutes: int = Field(default=30, ge=1, le=24 * 60, description="lifetime of a login token")
    session_idle_minutes: float = Field(
        default=30, gt=0, le=24 * 60, description="a browser session ends after this long without a request"
    )
    public_url: str = Field(
        default=DEFAULT_PUBLIC_URL,
        pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="the service's public address: every issued document's QR code leads to PUBLIC_URL/v/<code>",
    )
    web_dir: Path = Field(default=PROJECT_ROOT / "web" / "dist", description="the built web application, served at /")
    sign_agent_url: str = Field(
        default="http://127.0.0.1:8711",
        pattern=r"^http://(127\.0\.0\.1|localhost)(:[0-9]{1,5})?$",
        description="where the inbox page finds a leader's `vanban sign-agent` (on the leader's own computer); "
        "the pages' Content-Security-Policy lets them connect there",
    )
    login_max_failures: int = Field(default=5, ge=1, description="wrong passwords that lock an account")
    login_address_max_failures: int = Field(
        default=50, ge=1, description="wrong passwords from one client address (any accounts) that lock it"
    )
    login_window_seconds: float = Field(default=900, gt=0, description="wrong passwords older than this are forgotten")
    login_lockout_seconds: float = Field(default=900, gt=0, description="first lockout; each next one lasts twice")
    login_max_lockout_seconds: float = Field(default=86_400, gt=0, description="the longest lockout")
    demo_users: bool | None = Field(
        default=None, description="create demo users on first start; default: not production"
    )
    log_format: Literal["json", "text"] = Field(
        default="json", description="logs: one JSON object per line, or plain text for a person at a terminal"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    metrics_dir: Path | None = Field(
        default=None, description="Prometheus multiprocess folder of this node; default: data_dir/metrics"
    )
    worker_metrics_port: int | None = Field(
        default=None, ge=1, le=65535, description="a `vanban worker` started on its own serves /metrics on this port"
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="when set (16 characters or more, no space), /metrics (the API's and a worker node's) asks for "
        "`Authorization: Bearer <this>`",
    )
    max_queued_jobs: int = Field(
        default=1000, ge=0, description="jobs queued or running past which new documents and batches get 429 (0: none)"
    )
    max_long_polls: int = Field(
        default=64,
        ge=0,
        description="callers of GET /jobs/{id}?wait= held at once by a process; more are answered at once",
    )
    queue_full_retry_seconds: int = Field(default=10, ge=1, description="the Retry-After of that 429")
    webhook_timeout: float = Field(default=10.0, gt=0, le=60, description="seconds for one webhook delivery")
    webhook_max_attempts: int = Field(default=6, ge=1, le=20, description="attempts of one delivery before it fails")
    webhook_backoff_seconds: float = Field(
        default=10.0, gt=0, description="wait before a delivery's second attempt; doubled each time (at most 1 h)"
    )
    webhook_allow_private: bool = Field(
        default=False, description="webhook URLs may name private, loopback or link-local addresses (SSRF guard off)"
    )
    production: bool = False
    clock_start: datetime | None = Field(
        default=None, description="tests and demos: the clock reads this instant at start and runs on (not production)"
    )

    @cached_property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'vanban.sqlite'}"

    @cached_property
    def archive(self) -> Path:
        """The archive folder: that of a ``file://`` archive URL, else ``archive_dir`` or ``data_dir/archive``."""
        if self.archive_url is not None and self.archive_url.startswith("file://"):
            return Path(unquote(urlsplit(self.archive_url).path))
        return self.archive_dir or self.data_dir / "archive"

    @property
    def archive_in_folder(self) -> bool:
        return self.archive_url is None or self.archive_url.startswith("file:")

    @cached_property
    def pki(self) -> Path:
        return self.pki_dir or self.data_dir / "pki"

    @cached_property
    def metrics(self) -> Path:
        return self.metrics_dir or self.data_dir / "metrics"

    @cached_property
    def queue_dir(self) -> Path:
        return self.data_dir / "queue"

    @property
    def local_queue(self) -> bool:
        return self.broker_url.startswith("filesystem:")

    @property
    def start_workers(self) -> bool:
        return self.local_queue if self.embedded_workers is None else self.embedded_workers

    @field_validator("metrics_token")
    @classmethod
    def _a_token_hard_to_guess(cls, token: SecretStr | None) -> SecretStr | None:
        text = token.get_secret_value() if token is not None else ""
        if token is not None and (len(text) < 16 or any(c.isspace() for c in text)):
            raise ValueError("VANBAN_METRICS_TOKEN: 16 characters or more, no space")
        return token

    def check(self) -> None:
        """Refuse a production configuration that still runs on demo keys or the local single-machine queue."""
        if not self.production:
            return
        problems = []
        if self.pki_password == "demo":
            problems.append("VANBAN_PKI_PASSWORD is the demo password")
        if self.local_queue:
            problems.append("VANBAN_BROKER_URL is the local filesystem queue")
        if self.clock_start is not None:
            problems.append("VANBAN_CLOCK_START sets the clock to another time")
        if problems:
            raise ConfigurationError("; ".join(problems))


def get_settings() -> Settings:
    return Settings()
