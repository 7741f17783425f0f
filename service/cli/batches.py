"""``vanban batch``: a class list in, one signed letter per student (or one decision with the whole list) out,
requested as ``POST /api/v1/batches`` does and made as the workers make it (``production.LocalNode``)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn

from service.cli.common import console, fail, read_json
from service.config import Settings, get_settings
from service.errors import BatchRejected, VanbanError

if TYPE_CHECKING:
    from service.cli.production import Work
    from service.runtime import Runtime
    from service.services.requesting import BatchRequested

_COLUMNS = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())


def batch(
    template: str,
    class_list: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".xlsx or .csv with a header row")],
    data: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="the batch part (class, session, ...)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="folder for the letters, merged.pdf, report.json")],
    on_error: Annotated[str, typer.Option(help="reject (nothing issued) or skip (valid rows go on)")] = "reject",
) -> None:
    """Issue one document per row of a class list (or one with the whole list), with progress, as fast as the
    workers: LibreOffice and ``VANBAN_WORKER_CONCURRENCY`` processes in this command. Exit 0 when every letter is
    issued; 1 when the batch failed (the error is shown, what was issued is written); 130 on Ctrl-C, the rest then
    handed to the queue for ``vanban worker``/``vanban serve`` to finish."""
    from rich.progress import Progress

    from service.cli.production import CtrlC, LocalNode

    settings = get_settings()
    batch_data = read_json(data)
    node = LocalNode(settings)
    closing = threading.Thread(target=node.close, name="closing")
    try:
        with CtrlC() as ctrl_c:
            with ThreadPoolExecutor(1) as checking:
                asked = checking.submit(_request, settings, template, class_list, batch_data, on_error)
                office_error = None
                try:
                    node.start_office()  # while the service loads, the list is checked and the numbers reserved
                except VanbanError as exc:
                    office_error = exc
                rt, requested, works = asked.result()  # a refused list is the user's news before LibreOffice's
            if office_error is not None:
                _hand_over(settings, works)
                fail(office_error)
            rt.db.dispose()  # the forked processes open their own connections
            node.fork()
            out = _Output(rt, requested.batch_id, settings.batch_chunk_size, output)
            with Progress(*_COLUMNS, console=console) as bar:
                task = bar.add_task("ban hành / issuing", total=requested.documents)

                def done(work: Work, issued: int) -> None:
                    bar.advance(task, issued)
                    out.done(work)

                outcome = node.run(works, done, ctrl_c)
            closing.start()  # LibreOffice stops while the letters are written
    except BatchRejected as exc:
        _write_json(output / "report.json", exc.report)
        for p in exc.report["problems"]:
            console.print(f"  dòng/row {p['row']}, {p['column']}: {p['reason_vi']} / {p['reason']}")
        fail(exc)
    except VanbanError as exc:
        fail(exc)
    finally:
        node.close()  # at once on an error; a no-op once ``closing`` started
    if outcome.left:
        _hand_over(settings, outcome.left)
    report = out.finish()
    closing.join()
    if outcome.interrupted and outcome.left:
        console.print("[yellow]Đã dừng / interrupted[/yellow]")
        raise typer.Exit(130)
    if outcome.left or report["status"] != "succeeded":
        error = report["error"] or {}
        console.print(
            f"[red]Lô văn bản không hoàn thành: {error.get('message_vi', '')}[/red]\n"
            f"the batch did not finish: {error.get('message', report['status'])}"
        )
        raise typer.Exit(1)


def _request(
    settings: Settings, template: str, class_list: Path, batch_data: Any, on_error: str
) -> tuple[Runtime, BatchRequested, list[Work]]:
    """Check the list and reserve the numbers as ``POST /api/v1/batches`` does; the work that makes the batch."""
    from service.runtime import Runtime, prepare
    from service.services.requesting import BatchLimits, RequestBatch, request_batch

    prepare(settings)
    rt = Runtime(settings)
    works: list[Work] = []
    requested = request_batch(
        rt.db,
        rt.templates,
        RequestBatch(
            template_id=template,
            class_list=class_list.read_bytes(),
            filename=class_list.name,
            data=batch_data,
            on_error=on_error,
        ),
        clock=rt.clock,
        default_organisation=settings.organisation_abbreviation,
        limits=BatchLimits.of(settings),
        enqueue=lambda name, args: works.append((name, args)),  # made here, by this command's node
    )
    return rt, requested, works


def _hand_over(settings: Settings, left: list[Work]) -> None:
    """Send the work not done to the queue: the workers finish it, with the numbers already reserved."""
    from service.worker import make_celery

    celery = make_celery(settings)
    for name, args in left:
        celery.send_task(name, args=args)
    console.print(
        f"{len(left)} phần việc chưa làm đã chuyển vào hàng đợi: `vanban worker` hoặc `vanban serve` sẽ làm tiếp\n"
        f"{len(left)} piece(s) of work not done were sent to the queue: `vanban worker` or `vanban serve` "
        "finishes them"
    )


class _Output:
    """The letters issued (``<number>-<slug of name>.pdf``), ``merged.pdf`` and ``report.json`` in ``folder``:
    what the API's ``archive.zip`` and ``merged.pdf`` hold. A chunk's letters are written as soon as it is done,
    and go into ``merged.pdf`` in list order."""

    def __init__(self, rt: Runtime, batch_id: str, chunk_size: int, folder: Path) -> None:
        from service.adapters.pdf_pages import Merged

        self.rt, self.batch_id, self.chunk_size, self.folder = rt, batch_id, chunk_size, folder
        self.merged = Merged()
        self.waiting: dict[int, list[bytes]] = {}  # chunks written, waiting for those before them
        self.next_chunk = 0
        self.letters = 0
        folder.mkdir(parents=True, exist_ok=True)

    def done(self, work: Work) -> None:
        name, args = work
        if name != "vanban.produce_batch_chunk":
            return
        chunk = args[1]
        assert isinstance(chunk, int)
        self.waiting[chunk] = self._write(range(chunk * self.chunk_size, (chunk + 1) * self.chunk_size))
        while self.next_chunk in self.waiting:
            for pdf in self.waiting.pop(self.next_chunk):
                self.merged.add(pdf)
            self.next_chunk += 1

    def _write(self, indexes: range | None = None) -> list[bytes]:
        from service.errors import NotReady
        from service.services.files import issued_letters

        default = self.rt.settings.organisation_abbreviation
        try:
            letters = issued_letters(self.rt.db, self.rt.archive, None, self.batch_id, default, indexes)
        except NotReady:
            return []
        for name, pdf in letters:
            (self.folder / name).write_bytes(pdf)
        self.letters += len(letters)
        return [pdf for _, pdf in letters]

    def finish(self) -> dict[str, Any]:
        """Write what no chunk wrote (a document made with the whole list), ``merged.pdf`` and the report."""
        from service.services.files import batch_report

        if not self.next_chunk and not self.waiting:
            self.waiting[0] = self._write()
        for chunk in sorted(self.waiting):  # after a chunk that failed or was left to the workers
            for pdf in self.waiting.pop(chunk):
                self.merged.add(pdf)
        if len(self.merged):
            (self.folder / "merged.pdf").write_bytes(self.merged.save())
        report = batch_report(self.rt.db, None, self.batch_id, self.rt.settings.organisation_abbreviation)
        _write_json(self.folder / "report.json", report)
        console.print(f"{self.letters} document(s) in {self.folder} (batch {self.batch_id})")
        return report


def _write_json(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
