"""Metrics (số đo vận hành) for Prometheus: prometheus_client lives in this module only.

Every process of a node records into one folder, ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess
mode): ``vanban serve`` sets ``metrics_dir/serve`` for itself and the worker processes it starts (on the embedded
default they are its children), and the API's ``/metrics`` adds them all up. A ``vanban worker`` started on its own
records in ``metrics_dir/worker-<pid>``, and serves its node's metrics on ``VANBAN_WORKER_METRICS_PORT`` if set.

The metric objects are made on first use, after the folder is set: prometheus_client chooses between in-memory and
multiprocess values when it is first imported, so it is imported here lazily, never at import time.
"""

from __future__ import annotations

import functools
import hmac
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
STAGES = ("render", "convert", "split", "sign", "archive", "record")
_STAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_JOB_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

log = logging.getLogger(__name__)
P = ParamSpec("P")


def use_folder(folder: Path, *, clear: bool) -> None:
    """Record this process's metrics (and its children's, which inherit the environment) in ``folder``;
    ``clear``: forget what an earlier run left there (the node's first process does, at start)."""
    if clear and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROCESS_ENV] = str(folder)


@dataclass(frozen=True)
class _Instruments:
    requests: Any
    request_seconds: Any
    stage_seconds: Any
    job_seconds: Any
    issued: Any
    signatures: Any
    failed_jobs: Any
    converter_restarts: Any
    webhook_deliveries: Any


_made: _Instruments | None = None
_making = threading.Lock()


def _instruments() -> _Instruments:
    """This process's instruments, made once: threads that measure for the first time at once (a node's task
    threads right after a restart) wait for the first to make them; made twice, the second registration raised and
    failed the work that measured."""
    global _made
    if _made is None:
        with _making:
            if _made is None:
                _made = _make_instruments()
    return _made


def _make_instruments() -> _Instruments:
    from prometheus_client import Counter, Histogram

    return _Instruments(
        requests=Counter(
            "vanban_http_requests", "API requests by method, route template and status", ["method", "route", "status"]
        ),
        request_seconds=Histogram("vanban_http_request_duration_seconds", "API request duration", ["method", "route"]),
        stage_seconds=Histogram(
            "vanban_stage_duration_seconds",
            "One production stage of a document or a chunk of letters",
            ["stage"],
            buckets=_STAGE_BUCKETS,
        ),
        job_seconds=Histogram(
            "vanban_job_duration_seconds", "A job from its start to its last document", ["kind"], buckets=_JOB_BUCKETS
        ),
        issued=Counter("vanban_issued", "Documents issued: single documents and a batch's letters", ["kind"]),
        signatures=Counter("vanban_signatures", "PAdES signatures made, by level", ["level", "signer"]),
        failed_jobs=Counter("vanban_jobs_failed", "Jobs failed for good, by error code", ["code"]),
        converter_restarts=Counter("vanban_converter_restarts", "LibreOffice found dead and started again"),
        webhook_deliveries=Counter("vanban_webhook_deliveries", "Webhook delivery attempts by outcome", ["outcome"]),
    )


def _quiet(record: Callable[P, None]) -> Callable[P, None]:
    """Measuring never fails the work it measures: an error recording a metric (its folder full, say) is logged
    and the work goes on."""

    @functools.wraps(record)
    def recorded(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            record(*args, **kwargs)
        except Exception:
            log.exception("the metric %s was not recorded", record.__name__)

    return recorded


class PrometheusMetrics:
    """The ``Metrics`` port of the services (``services/ports.py``), and what the API, the tasks and the converter's
    watch record."""

    @_quiet
    def stage(self, name: str, seconds: float) -> None:
        _instruments().stage_seconds.labels(name).observe(seconds)

    @_quiet
    def issued(self, kind: str, count: int) -> None:
        if count:
            _instruments().issued.labels(kind).inc(count)

    @_quiet
    def signed(self, level: str, count: int, signer: str = "organisation") -> None:
        if count:
            _instruments().signatures.labels(level, signer).inc(count)

    @_quiet
    def job_finished(self, kind: str, seconds: float) -> None:
        _instruments().job_seconds.labels(kind).observe(max(0.0, seconds))

    @_quiet
    def job_failed(self, code: str) -> None:
        _instruments().failed_jobs.labels(code).inc()

    @_quiet
    def converter_restarted(self) -> None:
        _instruments().converter_restarts.inc()

    @_quiet
    def webhook_delivery(self, outcome: str) -> None:
        _instruments().webhook_deliveries.labels(outcome).inc()

    @_quiet
    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        m = _instruments()
        m.requests.labels(method, route, str(status)).inc()
        m.request_seconds.labels(method, route).observe(seconds)


METRICS = PrometheusMetrics()


def exposition(queue: dict[str, int]) -> bytes:
    """The text exposition of every process of the node (or of this one, outside multiprocess mode), with the
    queue's depth read now (``queue``: jobs by status, e.g. queued and running)."""
    from prometheus_client import REGISTRY, CollectorRegistry, Gauge, generate_latest, multiprocess

    _instruments()  # this process's metrics exist (at zero) even before anything was recorded
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    now = CollectorRegistry()
    depth = Gauge("vanban_queue_depth", "Jobs not finished, by status", ["status"], registry=now)
    for status, count in queue.items():
        depth.labels(status).set(count)
    return text + generate_latest(now)


TEXT = "text/plain; charset=utf-8"
METRICS_REFUSED = (
    "metrics need Authorization: Bearer <VANBAN_METRICS_TOKEN>\n"
    "Số liệu vận hành cần Authorization: Bearer <VANBAN_METRICS_TOKEN>\n"
)


def bearer_matches(authorization: str | None, token: str | None) -> bool:
    """``Authorization: Bearer <token>`` (the scheme in any case) as the metrics' token asks (none set: anyone), the
    token compared in constant time."""
    if token is None:
        return True
    scheme, _, given = (authorization or "").strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode("utf-8", "replace"), token.encode())


def serve_node_metrics(port: int, host: str = "0.0.0.0", token: str | None = None) -> None:
    """A worker node started on its own: its processes' metrics at ``http://host:port/metrics``, in a thread of its
    own; ``token``: asked for as the API asks for it (``VANBAN_METRICS_TOKEN``)."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from prometheus_client import CollectorRegistry, make_wsgi_app, multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    metrics = make_wsgi_app(registry)

    def guarded(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if bearer_matches(environ.get("HTTP_AUTHORIZATION"), token):
            return metrics(environ, start_response)  # type: ignore[no-any-return]
        start_response("401 Unauthorized", [("WWW-Authenticate", "Bearer"), ("Content-Type", TEXT)])
        return [METRICS_REFUSED.encode()]

    class Quiet(WSGIRequestHandler):
        def log_message(self, *_: Any) -> None:  # a scrape every few seconds is no news
            pass

    server = make_server(host, port, guarded, handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True, name="metrics").start()
