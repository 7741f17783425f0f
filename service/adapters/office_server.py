"""One warm LibreOffice behind a Unix socket: the office server ``converter.Converter`` starts.

Run by Debian's ``/usr/bin/python3`` (the interpreter python3-uno belongs to) as a script, it imports nothing of the
service; a process that forks no worker (``vanban serve``) runs ``OfficeServer`` on a thread of its own instead,
python3-uno loaded into it (``converter.load_uno``): no second Python for each LibreOffice. It starts LibreOffice
(``soffice.bin``, its own child: it dies with it) listening on the pipe its owner named, connects to it as soon as
it answers, and listens on ``<scratch>/office-<name>.sock`` (``socket_path``; its PID, or LibreOffice's on a
thread; the scratch folder is its owner's alone, mode 0700: no other user of the machine can call it). A call is a
line of JSON, ``{"call": ..., ...}``, on a connection of its own, answered by a line ``{"result": ...}`` or
``{"error": "...", "timeout": false}``; two calls, served one at a time (LibreOffice converts one document at a time):

- ``info``: LibreOffice's version, once it answers;
- ``convert`` with ``name`` and ``filter_data``: ``<scratch>/<name>.docx`` made ``<scratch>/<name>.pdf``
  (``writer_pdf_Export`` with ``filter_data``, ``Name=Value``); ``name`` is 32 hexadecimal digits, so nothing outside
  the scratch folder its owner gave it is read or written.

A document is loaded hidden and read-only; its indexes (a table of contents) are brought up to date only when it
has any. A conversion that takes longer than ``--timeout`` seconds kills LibreOffice (answered with ``"timeout":
true``); a LibreOffice that dies ends the server (its process exits 1): its owner starts a new one.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import json
import os
import re
import shutil
import signal
import socketserver
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from concurrent import futures
from typing import Any

import uno

NoConnectException = uno.getClass("com.sun.star.connection.NoConnectException")

PR_SET_PDEATHSIG = 1
OFFICE = os.path.join(os.path.dirname(os.path.realpath(shutil.which("soffice") or "/usr/bin/soffice")), "soffice.bin")
RESTART = 81  # soffice.bin's exit code asking to be started again (after it made a new profile)
JEMALLOC = ctypes.util.find_library("jemalloc")
"""LibreOffice's allocator where the machine has it (Debian's libjemalloc2): a quarter less of LibreOffice's time
than glibc's malloc, which took a sixth of it, and less memory."""
MALLOC_CONF = "narenas:1,dirty_decay_ms:0,muzzy_decay_ms:0"
"""One arena for all of LibreOffice's threads (jemalloc makes four per core): ~10 MB less held in each, at no cost
of time measured (it converts on one thread at a time). The pages a conversion freed handed back at once, not kept
ten seconds for the next conversion to reuse: ~4 MiB less in each LibreOffice converting a batch of 10,000 letters,
for ~5 % more of its time. An operator's ``MALLOC_CONF`` comes after these, and wins."""
SETTINGS = {
    ("/org.openoffice.Office.Common/Cache/Font", "GlyphsCacheSize"): ("xs:long", 4_000_000),
    ("/org.openoffice.Office.Writer/AutoFunction/Completion", "CollectWords"): ("xs:boolean", "false"),
}
"""LibreOffice's settings that differ from its defaults, written in the profile it starts with.

- The cache of laid-out text keeps up to 20 MB by default, which a batch's letters fill and keep: 4 MB converts them
  as fast (one chunk's text fits) and holds ~25 MB less in each LibreOffice.
- Writer collects every word of a document it lays out for word completion (its idle layout, after the load): a
  list no conversion reads, ~8 % of LibreOffice's time on a chunk of 25 letters, growing faster than the chunk."""

NO_MARKUP = 0
"""``RedlineDisplayType.NONE``: a document's tracked changes shown as if accepted (what Word calls "No Markup"), not
deleted text struck through and insertions underlined in colour with a bar in the margin, as LibreOffice prints
them by default. An issued document is its final text."""

DOCX_FILTER = "Office Open XML Text"
"""The import filter a DOCX is opened with. Named, LibreOffice skips its type detection; and this one of its two DOCX
filters (the same import) does not make the Basic manager and VBA event handler it makes for "MS Word 2007 XML",
Word's own documents: ~3 ms of each conversion (8 % of one letter's), for macros that never run here. The PDFs are
the same, word for word and place for place (six templates and the template corpus compared)."""


_UNO = threading.Lock()
"""Held while the local UNO context is first used: two offices starting at once on threads of one process would
otherwise both make pyuno introspect it, which fails (``AttributeError: createInstanceWithContext``)."""
MAX_CALL = 1 << 16  # bytes of a call read at most: a line longer is refused


def socket_path(scratch: str, server: int) -> str:
    """Where the office server of PID ``server`` listens: in the scratch folder it was given."""
    return os.path.join(scratch, f"office-{server}.sock")


def _die_with_parent() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _allocator(jemalloc: str) -> dict[str, str]:
    mine = os.environ.get("MALLOC_CONF")
    return {"LD_PRELOAD": jemalloc, "MALLOC_CONF": f"{MALLOC_CONF},{mine}" if mine else MALLOC_CONF}


def write_settings(profile: str) -> None:
    """``SETTINGS`` as LibreOffice reads its user's settings, in a profile it has not started with yet."""
    items = "".join(
        f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse" oor:type="{kind}"><value>{value}</value>'
        "</prop></item>"
        for (path, name), (kind, value) in SETTINGS.items()
    )
    os.makedirs(os.path.join(profile, "user"), exist_ok=True)
    with open(os.path.join(profile, "user", "registrymodifications.xcu"), "w", encoding="utf-8") as f:
        f.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry"'
            ' xmlns:xs="http://www.w3.org/2001/XMLSchema">' + items + "</oor:items>\n"
        )


def _prop(name: str, value: object) -> Any:
    return uno.createUnoStruct("com.sun.star.beans.PropertyValue", Name=name, Value=value)


_COMMENT_ANCHOR = re.compile(
    rb"<(\w+:)?comment(RangeStart|RangeEnd|Reference)\b[^>]*?(/>|>\s*</(\w+:)?comment(RangeStart|RangeEnd|Reference)>)"
)


def unanchor_comments(docx: str) -> None:
    """The DOCX at ``docx`` (rewritten in place) without the places comments are anchored in its text, where it has
    any: LibreOffice 7.4 aborts opening a document whose text anchors comments hidden through UNO, as it is here, and
    cannot open one whose anchors have no comments part (a document included by ``{{p ...}}`` brings its anchors, not
    its comments). Wherever its comments part is, whatever its name: the anchors are looked for in every part of the
    text. The comments are not printed in the PDF anyway; a document without anchors is left as it is."""
    with zipfile.ZipFile(docx) as source:
        texts = {n: source.read(n) for n in source.namelist() if n.startswith("word/") and n.endswith(".xml")}
        if not any(b"comment" in text and _COMMENT_ANCHOR.search(text) for text in texts.values()):
            return
        rewritten = docx + ".unanchored"
        try:
            with zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target:
                for item in source.infolist():
                    text = texts.get(item.filename)
                    data = source.read(item.filename) if text is None else _COMMENT_ANCHOR.sub(b"", text)
                    target.writestr(item, data)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(rewritten)
            raise
    os.replace(rewritten, docx)


def _filter_value(text: str) -> object:
    if text in ("true", "false"):
        return text == "true"
    return int(text) if text.isdecimal() else text


class Office:
    """LibreOffice (``soffice.bin``) started by this process, and the UNO desktop it answers through."""

    def __init__(self, profile: str, start_timeout: float, pipe: str) -> None:
        options = [
            "--headless",
            "--invisible",
            "--nocrashreport",
            "--nodefault",
            "--nologo",
            "--nofirststartwizard",
            "--norestore",
            f"-env:UserInstallation={uno.systemPathToFileUrl(profile)}",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ]
        with _UNO:
            local = uno.getComponentContext()
            resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + start_timeout
        if not os.path.exists(os.path.join(profile, "user")):
            write_settings(profile)
        self.temporary = os.path.join(profile, "tmp")  # LibreOffice's own (lu*.tmp): gone with the profile
        os.makedirs(self.temporary, exist_ok=True)
        self.process = self._launch(options)
        while True:
            try:
                context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                if self.process.poll() == RESTART and time.monotonic() < deadline:
                    self.process = self._launch(options)  # its new profile made, it asks to be started again
                elif self.process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("LibreOffice did not start") from None
                time.sleep(0.05)
        self.context = context
        self.desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)

    def _launch(self, options: list[str]) -> subprocess.Popen[bytes]:
        """``soffice.bin`` itself, a child of this process that dies with it. Not the ``soffice`` script: it runs
        ``oosplash``, whose child ``soffice.bin`` would outlive this process killed (an orphan of init, with all its
        memory); what ``oosplash`` does for a headless start is done here (a start again when asked)."""
        return subprocess.Popen(
            [OFFICE, *options],
            env={**os.environ, "TMPDIR": self.temporary, **(_allocator(JEMALLOC) if JEMALLOC else {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )

    def version(self) -> str:
        return str(self.setting("/org.openoffice.Setup/Product", "ooSetupVersionAboutBox"))

    def setting(self, path: str, name: str) -> object:
        """One of LibreOffice's settings, as it runs with it."""
        provider = self.context.ServiceManager.createInstanceWithContext(
            "com.sun.star.configuration.ConfigurationProvider", self.context
        )
        node = provider.createInstanceWithArguments(
            "com.sun.star.configuration.ConfigurationAccess", (_prop("nodepath", path),)
        )
        return node.getByName(name)

    def convert(self, source: str, target: str, filter_data: list[str]) -> Callable[[], None]:
        """``source`` (a DOCX) written to ``target`` as PDF; returns what closes the document: a few milliseconds
        the caller need not wait for. The caller owns both files."""

        def close() -> None:
            if document is not None:
                document.close(True)

        unanchor_comments(source)
        document = self.desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(source),
            "_blank",
            0,
            (_prop("ReadOnly", True), _prop("Hidden", True), _prop("FilterName", DOCX_FILTER)),
        )
        if document is None:
            raise ValueError("LibreOffice could not open the document")
        try:
            if document.Redlines.getCount():  # tracked changes printed as accepted, as Word's "No Markup" shows them
                document.RedlineDisplayType = NO_MARKUP
            indexes = document.getDocumentIndexes() if hasattr(document, "getDocumentIndexes") else None
            if indexes is not None and indexes.getCount():
                for _ in range(2):  # a table of contents moves the pages it lists: twice, as Word does
                    document.refresh()
                    for i in range(indexes.getCount()):
                        indexes.getByIndex(i).update()
            data = tuple(_prop(n, _filter_value(v)) for n, v in (option.split("=", 1) for option in filter_data))
            document.storeToURL(
                uno.systemPathToFileUrl(target),
                (
                    _prop("FilterName", "writer_pdf_Export"),
                    _prop("Overwrite", True),
                    _prop("FilterData", uno.Any("[]com.sun.star.beans.PropertyValue", data)),
                ),
            )
            return close
        except BaseException:
            close()
            raise


class OfficeServer:
    """``Office`` (LibreOffice listening on ``pipe``) behind ``socket_path(scratch, name)``: in a process of its own
    (``main``; ``name`` its PID), or on a thread of the process that owns it (``converter.Converter`` in a process
    that forks no worker: UNO's threads do not survive a fork; ``name`` LibreOffice's PID). ``fatal`` is called when
    LibreOffice dies, or was killed because a conversion took longer than ``timeout`` seconds."""

    def __init__(
        self,
        profile: str,
        scratch: str,
        pipe: str,
        timeout: float,
        start_timeout: float,
        fatal: Callable[[], None],
        name: int | None = None,
    ) -> None:
        self.scratch, self.timeout, self._fatal = scratch, timeout, fatal
        self.office = Office(profile, start_timeout, pipe)
        self.name = self.office.process.pid if name is None else name
        self._pool = futures.ThreadPoolExecutor(1)
        threading.Thread(target=self._watch, daemon=True).start()
        calls: dict[str, Callable[[dict[str, Any]], object]] = {
            "info": lambda _: self.office.version(),
            "convert": lambda call: self.convert(call.get("name"), call.get("filter_data")),
        }

        class Calls(socketserver.StreamRequestHandler):
            timeout = 5.0  # a caller that sends no call in time is dropped: connections are served one at a time

            def handle(self) -> None:  # one call a connection, closed after its answer
                try:
                    call = json.loads(self.rfile.readline(MAX_CALL))
                    answer = {"result": calls[call["call"]](call)}
                except Exception as exc:  # the caller's error, or LibreOffice's: told, and the next call served
                    answer = {"error": f"{type(exc).__name__}: {exc}", "timeout": isinstance(exc, TimeoutError)}
                self.wfile.write(json.dumps(answer).encode() + b"\n")

        class Server(socketserver.UnixStreamServer):
            request_queue_size = 128  # callers waiting their turn: past the backlog, a Unix socket refuses at once

        self.server = Server(socket_path(scratch, self.name), Calls)

    def _watch(self) -> None:  # LibreOffice gone: so is this server
        self.office.process.wait()
        self._fatal()

    def convert(self, name: Any, filter_data: Any) -> bool:  # a str, a list of str
        if not isinstance(name, str) or not re.fullmatch("[0-9a-f]{32}", name):
            raise ValueError("a document's name is 32 hexadecimal digits")
        source, target = (os.path.join(self.scratch, f"{name}.{kind}") for kind in ("docx", "pdf"))
        job = self._pool.submit(self.office.convert, source, target, filter_data)
        try:
            close = job.result(timeout=self.timeout)
        except futures.TimeoutError:
            self.office.process.kill()  # the watch calls ``fatal``
            raise TimeoutError(f"the conversion took longer than {self.timeout:g} s") from None
        self._pool.submit(close)  # done before the next conversion, which waits in the same queue
        if not os.path.exists(source):  # its caller gave up waiting (and removed the DOCX): nobody reads the PDF
            with contextlib.suppress(FileNotFoundError):
                os.remove(target)
        return True

    def close(self) -> None:
        """LibreOffice killed, the socket closed, the conversions' thread ended: once it has stopped serving."""
        self.office.process.kill()
        self.office.process.wait()
        self.server.server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", required=True, help="LibreOffice's user installation, a folder of its own")
    parser.add_argument("--scratch", required=True, help="the folder documents pass through")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a conversion may take")
    parser.add_argument("--start-timeout", type=float, default=60.0)
    parser.add_argument("--pipe", required=True, help="the name of the pipe LibreOffice listens on")
    args = parser.parse_args()
    _die_with_parent()
    server = OfficeServer(
        args.profile, args.scratch, args.pipe, args.timeout, args.start_timeout, lambda: os._exit(1), os.getpid()
    )

    def stop(*_: object) -> None:
        server.office.process.terminate()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    server.server.serve_forever()


if __name__ == "__main__":
    main()
