"""DOCX -> PDF with LibreOffice, kept warm behind ``office_server.py``.

The office server runs on Debian's ``/usr/bin/python3`` (the interpreter python3-uno belongs to), in its own process
group, or, in a process that forks no worker (``vanban serve``), on a thread of this one with python3-uno loaded into
it (``load_uno``). This module calls it through a Unix socket in a scratch folder of its own (mode 0700, in memory
where the machine has it), through which documents pass as files too, and kills and restarts it with its LibreOffice
when LibreOffice crashes or hangs past the timeout.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import json
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from types import ModuleType
from typing import Any

from service.adapters.process import die_with_parent
from service.adapters.scratch import scratch_folder
from service.errors import ConversionError, ConversionTimeout, ConverterUnreachable, DiedUnderConversion

log = logging.getLogger(__name__)


SYSTEM_PYTHON = Path("/usr/bin/python3")
"""Debian's interpreter, the one python3-uno belongs to: it runs the office server."""
OFFICE_SERVER = Path(__file__).with_name("office_server.py")


class OfficeServerError(Exception):
    """The office server's answer to a call it could not do (a document LibreOffice cannot open, say)."""


LEFT_BY_THE_DEAD = ("office-*.sock", "lu*.tmp", ".~lock.*#")
"""What a dead office server (its socket) and a LibreOffice killed while it wrote a PDF (its temporary and lock files)
leave in the scratch folder, removed before the next one starts; a caller's own files are named by 32 hex digits."""
MAX_SOCKET_PATH = 107  # bytes of a Unix socket's path on Linux (sun_path, its last byte a NUL)


def socket_path(scratch: str, server: int) -> str:
    """Where the office server of PID ``server`` listens (``office_server.socket_path``)."""
    return os.path.join(scratch, f"office-{server}.sock")


def _call(server: int, scratch: str, call: dict[str, object], timeout: float) -> object:
    """One call to the office server of PID ``server``, on a connection of its own: ``timeout`` seconds to send the
    call and again for the answer (TimeoutError); no server, or one that died, raises OSError or ValueError; its
    refusal raises ``OfficeServerError``."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(socket_path(scratch, server))
        s.sendall(json.dumps(call).encode() + b"\n")
        with s.makefile("rb") as answers:
            line = answers.readline()
    if not line:
        raise ConnectionResetError("the office server ended the call without an answer")
    answer = json.loads(line)
    if not isinstance(answer, dict) or not answer.keys() & {"result", "error"}:
        raise ValueError(f"not an answer of the office server: {line[:200]!r}")
    if "error" in answer:
        if answer.get("timeout"):  # it killed LibreOffice: the conversion took longer than its timeout
            raise TimeoutError(answer["error"])
        raise OfficeServerError(answer["error"])
    return answer["result"]


PDF_EXPORT_OPTIONS = ["SelectPdfVersion=2", "ExportBookmarksToPDFDestination=true"]
"""writer_pdf_Export's filter data, as the office server takes it (``Name=Value``): PDF/A-2b (fonts embedded, an sRGB
output intent, XMP with ``pdfaid``), the archival form of an issued document; the DOCX's bookmarks as named
destinations (where each letter of a chunk starts, where its signature mark is: ``pdf_pages.letters``)."""

UNTAGGED_EXPORT_OPTIONS = ["ExportBookmarksToPDFDestination=true", "EmbedStandardFonts=true"]
"""For a chunk of letters to be cut into one PDF per letter: LibreOffice's PDF/A export always tags the PDF (a
structure tree over every page, which the letters cut from it cannot keep), and the tags cost a third of the
cutting and a tenth of the conversion. ``pdf_pages`` gives each record made from it the rest of PDF/A-2b (its
sRGB output intent, its XMP); fonts are embedded either way."""


def _convert(server: int, scratch: str, docx: bytes, timeout: float, tagged: bool = True) -> bytes:
    """One conversion by the office server of PID ``server``, through files in its ``scratch`` folder (in memory
    where the machine has it: no document travels through the socket); any failure is a ``ConversionError``."""
    name = os.urandom(16).hex()
    source, target = os.path.join(scratch, f"{name}.docx"), os.path.join(scratch, f"{name}.pdf")
    try:
        with open(source, "wb") as f:
            f.write(docx)
    except OSError as exc:  # the scratch folder full (a container's small /dev/shm) or gone: not LibreOffice's fault
        with contextlib.suppress(FileNotFoundError):
            os.remove(source)
        raise ConversionError(
            f"cannot write the document for LibreOffice in {scratch}: {exc}",
            f"Không ghi được văn bản cho LibreOffice vào {scratch}: {exc}",
        ) from None
    try:
        _call(
            server,
            scratch,
            {"call": "convert", "name": name, "filter_data": PDF_EXPORT_OPTIONS if tagged else UNTAGGED_EXPORT_OPTIONS},
            timeout,
        )
        with open(target, "rb") as f:
            data = f.read()
    except TimeoutError:
        raise ConversionTimeout(
            f"LibreOffice did not finish within {timeout:g} s and was stopped",
            f"LibreOffice không chuyển đổi xong trong {timeout:g} giây và đã bị dừng",
        ) from None
    except FileNotFoundError as exc:
        if exc.filename == target:
            raise ConversionError("LibreOffice returned no PDF", "LibreOffice không trả về tệp PDF") from None
        raise _unreachable(exc) from None
    except ConnectionResetError as exc:  # the call was taken and never answered: LibreOffice died under it
        raise DiedUnderConversion(
            f"LibreOffice stopped while converting the document: {exc}",
            f"LibreOffice dừng khi đang chuyển đổi văn bản: {exc}",
        ) from None
    except (OSError, ValueError) as exc:  # no server listening, or one that died under the call
        raise _unreachable(exc) from None
    except OfficeServerError as exc:
        raise ConversionError(
            f"LibreOffice failed to convert the document: {exc}",
            f"LibreOffice không chuyển đổi được văn bản: {exc}",
        ) from None
    finally:
        for path in (source, target):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
    if not data.startswith(b"%PDF"):
        raise ConversionError("LibreOffice returned no PDF", "LibreOffice không trả về tệp PDF")
    return data


DEATHS_PER_DOCUMENT = 2
"""A document under which LibreOffice died this many times is failed (``SharedConverter``): it is likely what kills
it, and trying it again until LibreOffice stays up would crash it over and over, each conversion of the node
waiting behind it."""


def _unreachable(exc: Exception) -> ConverterUnreachable:
    return ConverterUnreachable(
        f"LibreOffice failed to convert the document: {exc}", f"LibreOffice không chuyển đổi được văn bản: {exc}"
    )


def load_uno(python: Path) -> bool:
    """python3-uno, the module of ``python`` (Debian's interpreter), loaded into this one, so that an office server
    can run on a thread of this process (``office_server.OfficeServer``); False, and logged, when this interpreter
    cannot load it (built for another Python version: it would load, and crash later): office servers then run in
    processes of their own. Its import hook (``com.sun.star...`` as modules, on every import of the process) is taken
    out again: the server does not use it."""
    if "uno" in sys.modules:
        return True
    import builtins

    hook = builtins.__import__
    try:
        found = subprocess.run(
            [str(python), "-c", "import sys, uno; print(*sys.version_info[:2], uno.__file__)"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        words = found.stdout.split(maxsplit=2) if not found.returncode else []
        if len(words) != 3:
            raise ImportError(found.stderr.strip()[-300:] or "python3-uno not found")
        major, minor, path = words[0], words[1], words[2].strip()
        if f"{major}.{minor}" != "{}.{}".format(*sys.version_info[:2]):  # pyuno is built for its own Python
            raise ImportError(f"python3-uno is built for Python {major}.{minor}")
        spec = importlib.util.spec_from_file_location("uno", path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules["uno"] = module
        spec.loader.exec_module(module)
    except Exception as exc:  # any failure: the office servers run apart, as they always could
        sys.modules.pop("uno", None)
        log.warning("python3-uno cannot be loaded here (%s): each LibreOffice gets an office server process", exc)
        return False
    finally:
        builtins.__import__ = hook
    return True


def _office_server() -> ModuleType:
    from service.adapters import office_server  # imports uno: after ``load_uno``

    return office_server


class _ServerThread:
    """An office server on a thread of this process: what ``Converter`` needs of the ``subprocess.Popen`` of one in
    a process of its own (``pid``: the name of its socket, LibreOffice's PID once it listens; ``poll``, ``end``).
    LibreOffice, started by that thread (and killed by the kernel if the thread ends), ends the server when it dies."""

    def __init__(self, profile: str, scratch: str, pipe: str, timeout: float, start_timeout: float) -> None:
        self.pid = 0
        self._server: Any = None
        self._ending = False
        self._thread = threading.Thread(
            target=self._run, args=(profile, scratch, pipe, timeout, start_timeout), name="office-server", daemon=True
        )
        self._thread.start()

    def _run(self, profile: str, scratch: str, pipe: str, timeout: float, start_timeout: float) -> None:
        try:
            self._server = _office_server().OfficeServer(profile, scratch, pipe, timeout, start_timeout, self._fatal)
            self.pid = self._server.name
            self._server.server.timeout = 0.5  # how soon the end is seen when no call comes
            while not self._ending:
                self._server.server.handle_request()
        except BaseException:  # SystemExit: LibreOffice did not start
            log.exception("the office server on a thread failed")
        finally:
            if self._server is not None:
                self._server.close()

    def _fatal(self) -> None:
        """LibreOffice died (or was killed): the serving ends after the call in hand, within half a second."""
        self._ending = True

    def poll(self) -> int | None:
        return None if self._thread.is_alive() else 1

    def end(self, grace: float) -> None:
        self._ending = True
        server = self._server
        if server is not None:
            server.office.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.office.process.wait(grace)
            server.office.process.kill()
        self._thread.join(grace + 60)


class ConverterAddress:
    """Where the worker node's LibreOffice listens now, in memory its worker processes share (they are forked
    after it is made): the node publishes its office server's PID after every (re)start and 0 while LibreOffice is
    down."""

    def __init__(self) -> None:
        self.scratch = ""  # its LibreOffice's folder documents pass through, set before the node forks
        self._server = multiprocessing.RawValue(ctypes.c_int, 0)
        self._generation = multiprocessing.RawValue(ctypes.c_int, 0)

    def publish(self, server: int) -> None:
        if self._server.value != server:
            self._server.value = server
            self._generation.value += 1

    @property
    def server(self) -> int:
        return int(self._server.value)

    @property
    def generation(self) -> int:
        """Counts the changes of server: a new value means LibreOffice went down or came back."""
        return int(self._generation.value)


class SharedConverter:
    """A worker process's handle on the LibreOffices its worker node shares (``ConverterPool``): the node's main
    process owns them, restarts one when it dies (a new office server, published in its ``ConverterAddress``), and the
    office server itself stops a conversion that hangs past the timeout. Each conversion goes to the LibreOffice with
    the fewest conversions in hand (counted in memory the node's processes share), this process's own first on a tie,
    so that as many documents are converted at once as the node has LibreOffices.

    When LibreOffice dies under a conversion, or is down when one starts, the conversion waits for the node to
    bring it back (up to ``restart_wait`` seconds, longer than a restart) and is tried again on the new one; a
    document under which it died ``DEATHS_PER_DOCUMENT`` times fails."""

    def __init__(
        self,
        slots: Sequence[ConverterSlot],
        home: int = 0,
        timeout: float = 60.0,
        restart_wait: float = 120.0,
        notice: float = 10.0,
    ) -> None:
        self._slots, self._home = list(slots), home
        self._timeout, self._restart_wait, self._notice = timeout, restart_wait, notice
        self._choosing = threading.Lock()
        self.pid: int | None = None

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def _choose(self) -> ConverterSlot:
        n = len(self._slots)
        return min(
            (self._slots[(self._home + k) % n] for k in range(n)),
            key=lambda slot: slot.in_hand.value,  # min() keeps the first of equals: this process's own
        )

    def to_pdf(self, docx: bytes, timeout: float | None = None, *, tagged: bool = True) -> bytes:
        with self._choosing:  # threads of one process choosing at once would all see the same counts
            slot = self._choose()
            _count(slot, 1)
        try:
            return self._convert(slot.address, docx, timeout or self._timeout, tagged)
        finally:
            _count(slot, -1)

    def _convert(self, address: ConverterAddress, docx: bytes, timeout: float, tagged: bool) -> bytes:
        deadline = time.monotonic() + self._restart_wait
        deaths = 0
        while True:
            generation, server = address.generation, address.server
            if server:
                try:
                    return _convert(server, address.scratch, docx, timeout, tagged)
                except DiedUnderConversion:
                    deaths += 1
                except ConverterUnreachable:
                    pass  # dead or restarting: wait for the node to publish the new one
                except ConversionTimeout:
                    raise
                except ConversionError:
                    # LibreOffice answered with an error: the document's fault, unless LibreOffice died under it
                    # (it may answer UNO's error first; the node then publishes a change within a few seconds).
                    if not _changes(address, generation, min(deadline, time.monotonic() + self._notice)):
                        raise
                    deaths += 1
                if deaths >= DEATHS_PER_DOCUMENT:
                    raise ConversionError(
                        f"LibreOffice stopped {deaths} times while converting this document",
                        f"LibreOffice dừng {deaths} lần khi đang chuyển đổi văn bản này",
                    )
            if time.monotonic() >= deadline:
                raise ConverterUnreachable(
                    f"the worker node's LibreOffice did not come back within {self._restart_wait:g} s",
                    f"LibreOffice của máy xử lý không hoạt động trở lại sau {self._restart_wait:g} giây",
                )
            time.sleep(0.25)


def _count(slot: ConverterSlot, change: int) -> None:
    """Count a conversion in or out; never waits long: a process killed while it held the count's lock (a window of
    microseconds) leaves the counts to drift, never the conversions to wait. A process killed during a conversion
    leaves its LibreOffice counted busier by one, which only makes it chosen last."""
    lock = slot.in_hand.get_lock()
    if lock.acquire(timeout=1.0):
        try:
            slot.in_hand.value += change
        finally:
            lock.release()


def _changes(address: ConverterAddress, generation: int, until: float) -> bool:
    while time.monotonic() < until:
        if address.generation != generation:
            return True
        time.sleep(0.25)
    return address.generation != generation


@dataclass(frozen=True)
class ConverterSlot:
    """One LibreOffice of a node as its worker processes see it: where it listens, and how many conversions the
    node's processes have sent it and not had back (shared memory, made before they fork)."""

    address: ConverterAddress
    in_hand: Synchronized[int]


class ConverterPool:
    """A worker node's LibreOffices (``VANBAN_CONVERTERS``, by default one per core: LibreOffice converts one
    document at a time), owned by the node's main process, which starts them before it forks its worker processes
    and watches them (``keep_up``); each forked process converts through them with ``shared``."""

    def __init__(self, python: Path, count: int, timeout: float = 60.0, in_process: bool = False) -> None:
        self.offices = [Converter(python, timeout=timeout, in_process=in_process) for _ in range(max(1, count))]
        self.slots = [ConverterSlot(ConverterAddress(), multiprocessing.Value(ctypes.c_int, 0)) for _ in self.offices]
        self._processes = multiprocessing.Value(ctypes.c_int, 0)

    def start(self) -> None:
        """Start every LibreOffice, all at once (from the main thread: a child started with PDEATHSIG dies with its
        thread)."""
        for office, slot in zip(self.offices, self.slots, strict=True):
            office.launch()
            slot.address.scratch = office.scratch  # its folder, for the processes the node forks
        for office, slot in zip(self.offices, self.slots, strict=True):
            office.start()
            slot.address.publish(office.pid or 0)

    def stop(self, grace: float = 2.0) -> None:
        for office in self.offices:
            office.stop(grace)

    def keep_up(self, down: Callable[[], None] | None = None) -> bool:
        """One look at every LibreOffice (see ``keep_up``); True when they all run."""
        return all([keep_up(office, slot.address, down) for office, slot in zip(self.offices, self.slots, strict=True)])

    def alive(self) -> bool:
        return all(office.alive() for office in self.offices)

    def describe(self) -> str:
        return "converter pid " + ", ".join(str(office.pid) for office in self.offices)

    def shared(self, timeout: float = 60.0, restart_wait: float = 120.0) -> SharedConverter:
        """For a forked process: its handle on the node's LibreOffices, its own one to prefer (round robin)."""
        with self._processes.get_lock():
            home = self._processes.value
            self._processes.value += 1
        return SharedConverter(self.slots, home % len(self.slots), timeout, restart_wait)


def keep_up(office: Converter, address: ConverterAddress, down: Callable[[], None] | None = None) -> bool:
    """One look at a node's LibreOffice, by the process that owns it: when it died, publish 0, call ``down``
    (the worker node reports itself down), start it again and publish its new office server. True when it runs."""
    ok = office.alive()
    office.sweep()
    if not ok:
        log.warning("converter (office server pid %s) is gone: starting a new one", office.pid)
        address.publish(0)
        if down is not None:
            down()
        try:
            office.revive()
            ok = office.alive()
        except Exception:  # the watch goes on whatever a start raised
            log.exception("converter is down")
    if ok:
        address.publish(office.pid or 0)
    return ok


class Converter:
    """One warm LibreOffice. Thread-safe: conversions are serialised, LibreOffice being single-threaded."""

    def __init__(
        self, python: Path = SYSTEM_PYTHON, timeout: float = 60.0, start_timeout: float = 60.0, in_process: bool = False
    ) -> None:
        self._python = python
        self._in_process = in_process  # its office server on a thread of this process (``load_uno`` done)
        self.scratch = ""  # the folder documents pass through, made at its first start, removed when it stops
        self._timeout = timeout
        self._start_timeout = start_timeout
        self._proc: subprocess.Popen[bytes] | _ServerThread | None = None
        self._profile: str | None = None
        self._pipe = ""  # LibreOffice's pipe, named here: removed with what a dead one left
        self._lock = threading.Lock()
        self._stopped = False
        self._ready = False  # answered since it was launched
        self._started = 0.0

    # -- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            self._stopped = False
            self._start_locked()

    def revive(self) -> None:
        """Start LibreOffice again if it died, unless ``stop()`` was called (the process is shutting down)."""
        with self._lock:
            if not self._stopped:
                self._start_locked()

    def launch(self) -> None:
        """Start LibreOffice without waiting for it: ``start`` then waits (a node starts its LibreOffices together)."""
        with self._lock:
            self._stopped = False
            if self._proc is None or self._proc.poll() is not None:
                self._launch_locked()

    def _start_locked(self) -> None:
        if self._proc is not None and self._proc.poll() is None and self._ready:
            return
        if self._proc is None or self._proc.poll() is not None:
            self._launch_locked()
        self._wait_locked()

    def _launch_locked(self) -> None:
        self._ready = False
        if not self._python.exists():
            raise ConversionError(
                f"converter interpreter {self._python} is missing (run `make run` or `make test` to install it)",
                f"Thiếu trình thông dịch của bộ chuyển đổi {self._python} (chạy `make run` để cài)",
            )
        self._forget_locked()  # a server that died on its own
        self._profile = scratch_folder("lo", in_memory=False)  # LibreOffice's profile, its temporary files in it
        self.scratch = self.scratch or scratch_folder("convert")  # kept across restarts
        if len(socket_path(self.scratch, 4_194_304).encode()) > MAX_SOCKET_PATH:  # the longest PID (pid_max)
            raise ConversionError(
                f"the scratch folder's path is too long for the office server's socket: {self.scratch}",
                f"Đường dẫn thư mục tạm quá dài cho socket của bộ chuyển đổi: {self.scratch}",
            )
        self._pipe = f"vanban-{os.getpid()}-{os.urandom(8).hex()}"
        if self._in_process:
            self._proc = _ServerThread(self._profile, self.scratch, self._pipe, self._timeout, self._start_timeout)
        else:
            options = {"profile": self._profile, "scratch": self.scratch, "pipe": self._pipe}
            options |= {"timeout": str(self._timeout), "start-timeout": str(self._start_timeout)}
            self._proc = subprocess.Popen(
                [str(self._python), str(OFFICE_SERVER), *(f"--{k}={v}" for k, v in options.items())],
                start_new_session=True,  # its own process group, so LibreOffice is killed with it
                preexec_fn=die_with_parent,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        self._started = time.monotonic()

    def _forget_locked(self) -> None:
        """What the last office server and its LibreOffice left: its profile, its socket, LibreOffice's pipe in /tmp
        (osl's fixed place for pipes), what LibreOffice writes beside a PDF."""
        if self._profile:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None
        if self._pipe:
            Path(f"/tmp/OSL_PIPE_{os.getuid()}_{self._pipe}").unlink(missing_ok=True)
            self._pipe = ""
        for pattern in LEFT_BY_THE_DEAD if self.scratch else ():
            for stale in Path(self.scratch).glob(pattern):
                stale.unlink(missing_ok=True)

    def sweep(self) -> None:
        """Remove the files in passing that nobody waits for any more: a caller waits at most the timeout, so one
        older than twice that and a minute was left by a caller that was killed (its ``finally`` never ran)."""
        if not self.scratch:
            return
        too_old = time.time() - 2 * self._timeout - 60
        for kind in ("docx", "pdf"):
            for path in Path(self.scratch).glob(f"*.{kind}"):
                with contextlib.suppress(FileNotFoundError):
                    if path.stat().st_mtime < too_old:
                        path.unlink()

    def _wait_locked(self) -> None:
        assert self._proc is not None
        deadline = self._started + self._start_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                break
            try:
                _call(self._proc.pid, self.scratch, {"call": "info"}, 5.0)
                log.info("converter ready (pid %s)", self._proc.pid)
                self._ready = True
                return
            except (OSError, ValueError, OfficeServerError):
                time.sleep(0.2)
        self._kill_locked()
        raise ConversionError("LibreOffice did not start", "LibreOffice không khởi động được")

    def stop(self, grace: float = 2.0) -> None:
        """Stop LibreOffice: ``grace`` seconds to end on SIGTERM, then SIGKILL (0: at once, nothing left to save)."""
        with self._lock:
            self._stopped = True
            self._kill_locked(grace)
            if self.scratch:
                shutil.rmtree(self.scratch, ignore_errors=True)
                self.scratch = ""

    def _kill_locked(self, grace: float = 2.0) -> None:
        proc, self._proc = self._proc, None
        if isinstance(proc, _ServerThread):
            proc.end(grace)
        elif proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(grace)
            # LibreOffice's oosplash outlives a SIGTERM; nothing of the group may stay behind.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        self._forget_locked()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def alive(self) -> bool:
        """True while the office server started last runs (it exits at once when its LibreOffice dies). Cheap, and
        true while it converts: the server answers one request at a time, so a ping would wait."""
        return self._proc is not None and self._proc.poll() is None

    # -- use -----------------------------------------------------------------------------------------------
    def ping(self) -> bool:
        """True when LibreOffice answers. Does not start it."""
        if self._proc is None or self._proc.poll() is not None:
            return False
        try:
            _call(self._proc.pid, self.scratch, {"call": "info"}, 5.0)
        except (OSError, ValueError, OfficeServerError):
            return False
        return True

    def healthy(self) -> bool:
        """For heartbeats: answers a ping, or is busy converting (which is answering too)."""
        if not self._lock.acquire(blocking=False):
            return self._proc is not None and self._proc.poll() is None
        try:
            return self.ping()
        finally:
            self._lock.release()

    def to_pdf(self, docx: bytes, timeout: float | None = None, *, tagged: bool = True) -> bytes:
        """Convert a DOCX to PDF (tagged PDF/A-2b; not ``tagged``: see ``UNTAGGED_EXPORT_OPTIONS``). A crash or a
        hang kills LibreOffice (restarted on the next call) and raises ``ConversionError``, which the job retries."""
        with self._lock:
            self._start_locked()
            try:
                assert self._proc is not None
                return _convert(self._proc.pid, self.scratch, docx, timeout or self._timeout, tagged)
            except ConversionError as exc:
                if isinstance(exc, ConversionTimeout) or not self.ping():
                    self._kill_locked()  # stuck or dead: the next call starts a fresh one
                raise
