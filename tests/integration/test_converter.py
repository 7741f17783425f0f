"""The real LibreOffice behind unoserver: converts, and survives a hang or a crash."""

from __future__ import annotations

import contextlib
import ctypes.util
import glob
import io
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from service.adapters.converter import (
    OFFICE_SERVER,
    SYSTEM_PYTHON,
    Converter,
    ConverterAddress,
    ConverterPool,
    ConverterSlot,
    OfficeServerError,
    SharedConverter,
    _call,
    _convert,
    keep_up,
    load_uno,
    socket_path,
)
from service.adapters.renderer import render_many
from service.adapters.scratch import SCRATCH, scratch_folder
from service.adapters.template_files import TemplateFolder
from service.config import PROJECT_ROOT
from service.errors import ConversionError, ConversionTimeout
from service.services.production import render_context
from tests.pdftools import pdf_text
from tests.template_corpus import docx_with, with_notes, with_tracked_changes


def test_converts_docx_to_pdf(converter: Converter, letter_docx: bytes) -> None:
    pdf = converter.to_pdf(letter_docx)
    assert pdf.startswith(b"%PDF")


def _commented(damaged: bool = False) -> bytes:
    """A document a reviewer left a Word comment in, anchored in its text as Word writes it (its range too);
    ``damaged``: its text's stored bytes altered (a wrong checksum)."""
    anchored = with_notes(docx_with("Nội dung văn bản"), comment="Ý kiến của Phòng Đào tạo")
    with zipfile.ZipFile(io.BytesIO(anchored)) as source, zipfile.ZipFile(out := io.BytesIO(), "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:body><w:p>", b'<w:body><w:p><w:commentRangeStart w:id="0"/>', 1)
                end = b'<w:commentRangeEnd w:id="0"/>'
                data = data.replace(b"<w:r><w:commentReference", end + b"<w:r><w:commentReference")
                item.compress_type = zipfile.ZIP_STORED  # its text as it is in the file, to be altered
            target.writestr(item, data)
    docx = out.getvalue()
    if damaged:
        docx = docx.replace("Nội dung".encode(), "Nội dunG".encode(), 1)
    return docx


def test_a_document_with_a_comment_converts(converter: Converter, tmp_path: Path) -> None:
    """LibreOffice 7.4 aborts loading a DOCX whose text anchors a comment when it is opened hidden through UNO. The
    comment is not printed; the text is."""
    (tmp_path / "c.pdf").write_bytes(converter.to_pdf(_commented()))
    text = pdf_text(tmp_path / "c.pdf")
    assert "Nội dung văn bản" in text
    assert "Ý kiến" not in text


def _moved_comments(docx: bytes, to: str | None) -> bytes:
    """``docx`` with its comments part at ``to`` (a name Word may give it: only the relationship says what it is),
    or, ``to`` None, without it (the anchors left, as a document included by ``{{p ...}}`` brings them)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as source, zipfile.ZipFile(out := io.BytesIO(), "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename in ("word/_rels/document.xml.rels", "[Content_Types].xml") and to is None:
                data = re.sub(rb"<(Relationship|Override) [^>]*comments[^>]*/>", b"", data)
            elif item.filename == "word/_rels/document.xml.rels":
                data = data.replace(b'Target="comments.xml"', f'Target="{to}"'.encode())
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b'PartName="/word/comments.xml"', f'PartName="/word/{to}"'.encode())
            if item.filename == "word/comments.xml":
                if to is None:
                    continue
                item.filename = f"word/{to}"
            target.writestr(item, data)
    return out.getvalue()


@pytest.mark.parametrize("to", ["notes/remarks.xml", None], ids=["comments-named-otherwise", "anchors-without-part"])
def test_a_document_with_comments_anywhere_or_nowhere_converts(
    converter: Converter, tmp_path: Path, to: str | None
) -> None:
    """The anchors are removed wherever the comments are: a part named otherwise made LibreOffice abort at every
    try (a crash loop of minutes), anchors without any part made it refuse the document."""
    (tmp_path / "c.pdf").write_bytes(converter.to_pdf(_moved_comments(_commented(), to)))
    assert "Nội dung văn bản" in pdf_text(tmp_path / "c.pdf")


def test_a_damaged_document_with_a_comment_fails_clearly_and_leaves_nothing(
    converter: Converter, letter_docx: bytes
) -> None:
    with pytest.raises(ConversionError, match="CRC"):
        converter.to_pdf(_commented(damaged=True))
    assert [f for f in os.listdir(converter.scratch) if not f.endswith(".sock")] == []
    assert converter.to_pdf(letter_docx).startswith(b"%PDF")


def test_a_broken_file_fails_clearly_and_the_converter_stays_usable(converter: Converter, letter_docx: bytes) -> None:
    broken = letter_docx[: len(letter_docx) // 2]  # a .docx cut in half
    try:
        converter.to_pdf(broken)
    except ConversionError as exc:
        assert exc.message_vi and exc.message_en
    assert converter.to_pdf(letter_docx).startswith(b"%PDF")


def test_a_hang_is_cut_off_and_the_next_call_works(converter: Converter, letter_docx: bytes) -> None:
    with pytest.raises(ConversionError, match="did not finish"):
        converter.to_pdf(letter_docx, timeout=0.001)
    assert converter.pid is None  # LibreOffice was stopped, not left hanging
    assert converter.to_pdf(letter_docx).startswith(b"%PDF")  # restarted on demand


def test_a_crash_is_reported_and_recovered(converter: Converter, letter_docx: bytes) -> None:
    converter.to_pdf(letter_docx)
    pid = converter.pid
    assert pid is not None
    os.killpg(pid, signal.SIGKILL)  # LibreOffice and unoserver die together
    outcomes: list[bytes | str] = []
    for _ in range(2):
        try:
            outcomes.append(converter.to_pdf(letter_docx)[:4])
        except ConversionError as exc:
            outcomes.append(exc.message_en)
    assert outcomes[-1] == b"%PDF", outcomes


def test_the_office_server_listens_on_a_socket_only_its_owner_reaches(converter: Converter, letter_docx: bytes) -> None:
    """No TCP port, which any user of the machine could call: a Unix socket in the converter's scratch folder, mode
    0700. A call it does not know is refused, and the next one served."""
    converter.to_pdf(letter_docx)
    server = converter.pid
    assert server is not None
    links = [os.readlink(f"/proc/{server}/fd/{fd}") for fd in os.listdir(f"/proc/{server}/fd")]
    sockets = {link[len("socket:[") : -1] for link in links if link.startswith("socket:[")}
    listening = {
        row.split()[9]
        for table in ("/proc/net/tcp", "/proc/net/tcp6")
        if os.path.exists(table)
        for row in Path(table).read_text().splitlines()[1:]
        if row.split()[3] == "0A"
    }
    assert sockets and not sockets & listening
    assert stat.S_ISSOCK(os.stat(socket_path(converter.scratch, server)).st_mode)
    assert stat.S_IMODE(os.stat(converter.scratch).st_mode) == 0o700
    with pytest.raises(OfficeServerError, match="KeyError"):
        _call(server, converter.scratch, {"call": "shutdown"}, 5.0)
    with pytest.raises(OfficeServerError, match="32 hexadecimal digits"):
        _call(server, converter.scratch, {"call": "convert", "name": "../../etc/passwd", "filter_data": []}, 5.0)
    assert converter.to_pdf(letter_docx).startswith(b"%PDF")


def test_a_caller_that_keeps_its_connection_open_blocks_nobody(converter: Converter, letter_docx: bytes) -> None:
    """The server serves one connection at a time: each call has its own, closed after its answer (a child forked
    while a call was open keeps its copy of the connection open), and a connection that sends nothing is dropped."""
    converter.to_pdf(letter_docx)
    assert converter.pid is not None
    path = socket_path(converter.scratch, converter.pid)
    with socket.socket(socket.AF_UNIX) as answered, socket.socket(socket.AF_UNIX) as silent:
        answered.connect(path)
        answered.sendall(b'{"call": "info"}\n')
        assert b"result" in answered.recv(4096)  # answered, and the connection left open
        assert converter.to_pdf(letter_docx, timeout=15).startswith(b"%PDF")
        silent.connect(path)  # sends nothing
        assert converter.to_pdf(letter_docx, timeout=15).startswith(b"%PDF")


def test_many_callers_at_once_wait_their_turn(converter: Converter, letter_docx: bytes) -> None:
    """More callers than a Unix socket's default backlog (5, where a connect fails at once rather than waits): every
    one is served, none told LibreOffice is unreachable."""
    converter.to_pdf(letter_docx)
    assert converter.pid is not None
    with ThreadPoolExecutor(16) as pool:
        answers = list(
            pool.map(lambda _: _call(converter.pid or 0, converter.scratch, {"call": "info"}, 30), range(16))
        )
    assert len(answers) == 16


def test_what_a_libreoffice_killed_while_writing_leaves_is_removed_when_it_starts_again(
    converter: Converter, letter_docx: bytes
) -> None:
    """LibreOffice writes a PDF through a temporary file and a lock file beside it: killed while writing, it leaves
    them in the scratch folder, which lives as long as the converter; its next start removes them."""
    converter.to_pdf(letter_docx)
    assert converter.pid is not None
    left = [Path(converter.scratch, name) for name in ("lu1234abcd.tmp", f".~lock.{'0' * 32}.pdf#")]
    for path in left:
        path.write_bytes(b"left behind")
    os.killpg(converter.pid, signal.SIGKILL)
    with contextlib.suppress(ConversionError):  # made before the death is seen: fails, and the next call restarts it
        converter.to_pdf(letter_docx)
    assert converter.to_pdf(letter_docx).startswith(b"%PDF")  # a new LibreOffice
    assert not any(path.exists() for path in left)


def test_a_restarted_libreoffice_leaves_nothing_of_the_dead_one_behind(
    converter: Converter, letter_docx: bytes
) -> None:
    """Each start makes a profile (LibreOffice's temporary files inside it) and a pipe in /tmp: those of a LibreOffice
    that died are removed when the next one starts, not left to fill /tmp over the restarts."""
    converter.to_pdf(letter_docx)
    server, profile = converter.pid, converter._profile
    assert server is not None and profile is not None
    office = next(p for p in _offices_of(profile) if Path(f"/proc/{p}/comm").read_text().strip() == "soffice.bin")
    environment = Path(f"/proc/{office}/environ").read_bytes().split(b"\0")
    assert f"TMPDIR={profile}/tmp".encode() in environment and glob.glob(f"{profile}/tmp/lu{office}*.tmp")
    pipes = f"/tmp/OSL_PIPE_{os.getuid()}_{converter._pipe}"
    assert glob.glob(pipes)
    os.killpg(server, signal.SIGKILL)
    with contextlib.suppress(ConversionError):  # made before the death is seen: fails, and the next call restarts it
        converter.to_pdf(letter_docx)
    assert converter.to_pdf(letter_docx).startswith(b"%PDF") and converter.pid != server
    assert not os.path.exists(profile) and not glob.glob(pipes)


def test_tracked_changes_are_printed_as_accepted(converter: Converter, tmp_path: Path) -> None:
    """A document edited with Track Changes on is printed as its final text: LibreOffice's default printed the
    deleted words struck through and the inserted ones underlined in colour, in an official document."""
    edited = with_tracked_changes("Kính gửi", "Sở Nội vụ", "Sở Giáo dục và Đào tạo")
    (tmp_path / "c.pdf").write_bytes(converter.to_pdf(edited))
    text = " ".join(pdf_text(tmp_path / "c.pdf").split())
    assert "Kính gửi Sở Giáo dục và Đào tạo" in text and "Nội vụ" not in text


def test_files_a_killed_caller_left_in_passing_are_swept(converter: Converter, letter_docx: bytes) -> None:
    """A worker process killed while its document converted never removes its DOCX (nor its PDF, which the office
    server keeps while the DOCX is there): the node's watch removes files in passing older than a conversion may
    take, and leaves the others."""
    converter.to_pdf(letter_docx)
    old, new = (Path(converter.scratch, f"{os.urandom(16).hex()}.{kind}") for kind in ("docx", "pdf"))
    for path in (old, new):
        path.write_bytes(b"in passing")
    ago = time.time() - 3 * 60 - 2 * 60  # older than twice the fixture's 60 s timeout, and a minute
    os.utime(old, (ago, ago))
    assert keep_up(converter, ConverterAddress())
    assert not old.exists() and new.exists()
    new.unlink()


def _offices_of(profile: str) -> list[int]:
    """The LibreOffices running on ``profile`` (their command line names it), whoever their parent is now."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if profile.encode() in cmdline and b"soffice" in cmdline:
                found.append(int(entry))
    return found


def test_a_document_libreoffice_dies_under_twice_fails_instead_of_crashing_it_for_minutes(tmp_path: Path) -> None:
    """A node's shared LibreOffice that dies under every conversion of one document (as a document that crashes it
    makes it do; here it is killed, by PID, as soon as the document arrives): the document fails after two deaths,
    not after the two minutes a restart is waited for, and the next document converts."""
    template = TemplateFolder(PROJECT_ROOT / "templates_docx").get("giay-trieu-tap")
    context = render_context(template, template.example, "05/GTT-TCT", date(2026, 2, 4))
    letter, forty = render_many(template.docx, [context]), render_many(template.docx, [context] * 40)
    pool = ConverterPool(SYSTEM_PYTHON, 1, timeout=60)
    pool.start()
    office, stop, poisoned = pool.offices[0], threading.Event(), threading.Event()
    poisoned.set()
    killed: list[str] = []  # the conversions LibreOffice was killed under, by their file's name

    def node() -> None:  # the worker node's watch, and a LibreOffice killed under each conversion it is given
        while not stop.wait(0.01):
            pool.keep_up()
            given = [f for f in os.listdir(office.scratch) if f.endswith(".docx") and f not in killed]
            if given and poisoned.is_set():
                assert office._profile is not None
                for pid in _offices_of(office._profile):
                    if Path(f"/proc/{pid}/comm").read_text().strip() == "soffice.bin":
                        os.kill(pid, signal.SIGKILL)
                killed.extend(given)

    watch = threading.Thread(target=node)
    watch.start()
    try:
        shared = pool.shared(timeout=60, restart_wait=120)
        started = time.monotonic()
        with pytest.raises(ConversionError, match="stopped 2 times"):
            shared.to_pdf(forty)
        assert len(killed) == 2 and time.monotonic() - started < 60
        poisoned.clear()
        assert shared.to_pdf(letter).startswith(b"%PDF")
    finally:
        stop.set()
        watch.join()
        pool.stop()


def test_a_libreoffice_that_answers_an_error_as_it_dies_counts_as_a_death(tmp_path: Path) -> None:
    """LibreOffice killed under a conversion may first answer UNO's error (its bridge disposed) before its office
    server ends: the node then publishes a new office server. That is a death under the document too, counted
    with the others (CI once saw a third LibreOffice killed for a document failed after two). Here a stand-in
    office server answers that error to every conversion and the node publishes its successor each time."""
    address, calls = ConverterAddress(), []
    address.scratch = str(tmp_path)

    def office_server(pid: int) -> socket.socket:
        listening = socket.socket(socket.AF_UNIX)
        listening.bind(socket_path(address.scratch, pid))
        listening.listen()
        return listening

    def node() -> None:  # each office server answers one call with LibreOffice's dying words, then the next is up
        for pid in range(1000, 1010):
            with office_server(pid) as listening:
                address.publish(pid)
                try:
                    listening.settimeout(30)
                    connection, _ = listening.accept()
                except TimeoutError:
                    return
                with connection:
                    calls.append(json.loads(connection.makefile("rb").readline()))
                    error = "DisposedException: Binary URP bridge disposed during call"
                    connection.sendall(json.dumps({"error": error, "timeout": False}).encode() + b"\n")
                address.publish(0)  # the node noticed it gone

    watch = threading.Thread(target=node, daemon=True)
    watch.start()
    while not address.server:
        time.sleep(0.01)
    shared = SharedConverter(
        [ConverterSlot(address, multiprocessing.Value(ctypes.c_int, 0))], timeout=5, restart_wait=20
    )
    with pytest.raises(ConversionError, match="stopped 2 times"):
        shared.to_pdf(b"PK a document")
    assert len(calls) == 2


def test_libreoffice_dies_with_its_office_server_killed(letter_docx: bytes) -> None:
    """kill -9 of the office server alone (as when its worker node is killed): its LibreOffice does not stay behind,
    an orphan of init holding its memory for ever."""
    converter = Converter(timeout=60)
    try:
        converter.to_pdf(letter_docx)
        profile, server = converter._profile, converter.pid
        assert profile is not None and server is not None and _offices_of(profile)
        os.kill(server, signal.SIGKILL)  # only the server: its LibreOffice is left to notice
        deadline = time.monotonic() + 15
        while _offices_of(profile) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = _offices_of(profile)
        for pid in left:  # the test's own leftovers, by PID
            os.kill(pid, signal.SIGKILL)
        assert left == []
    finally:
        converter.stop(0)


def test_libreoffice_runs_on_jemalloc(converter: Converter, letter_docx: bytes) -> None:
    """Debian's libjemalloc2 (installed by ``make``) is LibreOffice's allocator: a quarter less of its time."""
    assert ctypes.util.find_library("jemalloc"), "libjemalloc2 is missing (apt-get install libjemalloc2)"
    converter.to_pdf(letter_docx)
    assert converter._profile is not None
    (office,) = [
        pid for pid in _offices_of(converter._profile) if Path(f"/proc/{pid}/comm").read_text().strip() == "soffice.bin"
    ]
    assert "libjemalloc" in Path(f"/proc/{office}/maps").read_text()
    assert b"MALLOC_CONF=narenas:1,dirty_decay_ms:0,muzzy_decay_ms:0" in Path(
        f"/proc/{office}/environ"
    ).read_bytes().split(b"\0")


def test_libreoffice_runs_with_its_settings(tmp_path: Path) -> None:
    """The office server's settings, as LibreOffice itself reads them once started on a new profile: a batch's letters
    no longer fill a 20 MB cache in each LibreOffice, and no words are collected for word completion."""
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import office_server as s\n"
        "office = s.Office(sys.argv[2], 60, sys.argv[3])\n"
        "try:\n"
        "    print(office.setting('/org.openoffice.Office.Common/Cache/Font', 'GlyphsCacheSize'))\n"
        "    print(office.setting('/org.openoffice.Office.Writer/AutoFunction/Completion', 'CollectWords'))\n"
        "finally: office.process.kill()\n"
    )
    server, pipe = Path(OFFICE_SERVER), f"vanban-test-{os.getpid()}-{os.urandom(4).hex()}"
    try:
        out = subprocess.run(
            [str(SYSTEM_PYTHON), "-c", script, str(server.parent), str(tmp_path / "profile"), pipe],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    finally:
        Path(f"/tmp/OSL_PIPE_{os.getuid()}_{pipe}").unlink(missing_ok=True)
    assert out.stdout.split() == ["4000000", "False"], out.stderr


def test_the_scratch_folder_of_a_process_gone_is_removed(tmp_path: Path) -> None:
    """A worker node killed with kill -9 leaves its scratch folder (in memory): the next one made removes it, and
    leaves those of processes alive."""
    gone = subprocess.Popen(["true"])
    gone.wait()
    root = Path(SCRATCH or tempfile.gettempdir())
    left = root / f"vanban-convert-{gone.pid}-test"
    left.mkdir()
    (left / "a.pdf").write_bytes(b"%PDF")
    made = [Path(scratch_folder("convert")), Path(scratch_folder("convert"))]
    try:
        assert not left.exists() and all(m.name.startswith(f"vanban-convert-{os.getpid()}-") for m in made)
        assert all(m.is_dir() for m in made)  # a process alive keeps its folders
    finally:
        for folder in made:  # only the test's own
            shutil.rmtree(folder)


def test_a_process_that_ends_removes_its_own_scratch_folder() -> None:
    """``vanban serve`` stopped with SIGTERM left its folder of PDFs in passing in memory (``/dev/shm``) until the
    next process of the service made one."""
    made = subprocess.run(
        [
            sys.executable,
            "-c",
            "from service.adapters.scratch import own_scratch_folder; print(own_scratch_folder('pages'))",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert made and not os.path.exists(made)


def test_a_pdf_nobody_waits_for_any_more_is_not_left_in_the_scratch_folder(
    converter: Converter, letter_docx: bytes
) -> None:
    """A caller that gave up (its timeout counts the wait in the server's queue) removed its DOCX; the PDF that
    LibreOffice writes after is removed by the server, not left in memory."""
    template = TemplateFolder(PROJECT_ROOT / "templates_docx").get("giay-trieu-tap")
    context = render_context(template, template.example, "05/GTT-TCT", date(2026, 2, 4))
    forty = render_many(template.docx, [context] * 40)  # long enough to be given up on while it converts
    converter.to_pdf(letter_docx)
    with pytest.raises(ConversionTimeout):
        _convert(converter.pid or 0, converter.scratch, forty, 0.1)
    assert converter.to_pdf(letter_docx).startswith(b"%PDF")  # served after the abandoned one
    assert [f for f in os.listdir(converter.scratch) if not f.endswith(".sock")] == []


@pytest.fixture(scope="module")
def converter_here() -> Iterator[Converter]:
    """A converter whose office server runs on a thread of this process, python3-uno loaded into it (as in
    ``vanban serve``, which forks no worker)."""
    assert load_uno(SYSTEM_PYTHON), "python3-uno cannot be loaded into this interpreter"
    conv = Converter(timeout=60, in_process=True)
    conv.start()
    yield conv
    conv.stop()


def _children() -> list[int]:
    return [int(p) for t in Path(f"/proc/{os.getpid()}/task").iterdir() for p in (t / "children").read_text().split()]


def test_an_office_server_on_a_thread_converts_with_libreoffice_its_only_new_process(
    converter_here: Converter, letter_docx: bytes
) -> None:
    assert converter_here.to_pdf(letter_docx).startswith(b"%PDF")
    office = converter_here.pid
    assert office is not None and Path(f"/proc/{office}/comm").read_text().strip() == "soffice.bin"
    assert office in _children()  # LibreOffice is this process's child: no office server process between them


def test_an_office_server_on_a_thread_cuts_off_a_hang(converter_here: Converter, letter_docx: bytes) -> None:
    with pytest.raises(ConversionTimeout, match="did not finish"):
        converter_here.to_pdf(letter_docx, timeout=0.001)
    assert converter_here.to_pdf(letter_docx).startswith(b"%PDF")  # a new LibreOffice, started on demand


def test_an_office_server_on_a_thread_survives_its_libreoffice_killed(
    converter_here: Converter, letter_docx: bytes
) -> None:
    converter_here.to_pdf(letter_docx)
    office, profile, pipe = converter_here.pid, converter_here._profile, converter_here._pipe
    assert office and profile and glob.glob(f"/tmp/OSL_PIPE_{os.getuid()}_{pipe}")
    os.kill(office, signal.SIGKILL)
    with contextlib.suppress(ConversionError):  # made before the death is seen: fails, and the next call restarts it
        converter_here.to_pdf(letter_docx)
    assert converter_here.to_pdf(letter_docx).startswith(b"%PDF") and converter_here.pid != office
    assert not os.path.exists(profile) and not glob.glob(f"/tmp/OSL_PIPE_{os.getuid()}_{pipe}")


def test_loading_python3_uno_leaves_the_imports_of_the_process_as_they_were(tmp_path: Path) -> None:
    """uno.py hooks every import of the process (``com.sun.star...`` as modules): taken out again. An interpreter
    that has no python3-uno, or one built for another Python (it would load, and crash later), is told, not raised:
    office servers then run as processes."""
    other = tmp_path / "python3.99"
    other.write_text("#!/bin/sh\necho 3 99 /usr/lib/python3/dist-packages/uno.py\n")
    other.chmod(0o755)
    check = (
        "import builtins, sys; from pathlib import Path; from service.adapters.converter import load_uno\n"
        "before = builtins.__import__\n"
        "assert not load_uno(Path('/bin/false')) and 'uno' not in sys.modules\n"
        "assert not load_uno(Path(sys.argv[2])) and 'uno' not in sys.modules\n"
        "assert load_uno(Path(sys.argv[1])) and builtins.__import__ is before\n"
        "import uno; assert uno.getComponentContext()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", check, str(SYSTEM_PYTHON), str(other)], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
