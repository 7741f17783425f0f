"""Where short-lived files go: memory (tmpfs, ``/dev/shm``) where the machine has it, else the system's temporary
folder. A chunk's DOCX and PDF pass through here between the worker and LibreOffice, and the PDF again for qpdf."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from pathlib import Path

from service.adapters.process import alive

SCRATCH = str(Path("/dev/shm")) if Path("/dev/shm").is_dir() else None
"""For ``tempfile``'s ``dir=``: None is the system's temporary folder."""


def scratch_folder(kind: str, *, in_memory: bool = True) -> str:
    """A new folder of this process for files in passing (mode 0700, named with its PID), once the folders of this
    kind left by processes that are gone are removed (a node killed with kill -9 cannot remove its own: in memory,
    they would stay until the machine restarts). ``in_memory``: in ``SCRATCH``, else in the temporary folder."""
    parent = (SCRATCH if in_memory else None) or tempfile.gettempdir()
    for folder in Path(parent).glob(f"vanban-{kind}-*-*"):
        owner = folder.name.split("-")[2]
        if owner.isdigit() and not alive(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"vanban-{kind}-{os.getpid()}-", dir=parent)


_OWN: dict[tuple[int, str], str] = {}
_MAKING = threading.Lock()


def own_scratch_folder(kind: str) -> str:
    """This process's folder of ``kind`` (see :func:`scratch_folder`), made at its first use and removed when the
    process ends: a process forked after its parent made one gets its own."""
    key = (os.getpid(), kind)
    with _MAKING:  # threads of one process using it first at once: one folder
        if key not in _OWN or not os.path.isdir(_OWN[key]):
            _OWN[key] = scratch_folder(kind)
            atexit.register(_remove_own, key)
        return _OWN[key]


def _remove_own(key: tuple[int, str]) -> None:
    folder = _OWN.pop(key, None) if key[0] == os.getpid() else None  # a forked child runs its parent's handlers
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
