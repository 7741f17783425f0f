"""Processes and their memory: children that do not outlive the process that started them (Linux prctl
PR_SET_PDEATHSIG), memory handed back after large work, and kept shared or small across forks and threads."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import threading
import time

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """For ``subprocess.Popen(preexec_fn=...)``: the child gets SIGTERM when its parent dies."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def release_memory(generation: int = 2) -> None:
    """After a large piece of work (a 10,000-row class list, a chunk of letters): collect the cyclic garbage that
    PDF and XML libraries leave, and hand the freed heap back to the system, so long-lived processes do not keep
    their high-water mark. ``generation`` 1 collects only what the work made since the last collections (a chunk's
    garbage): a full collection walks every object of the process, tens of milliseconds with the GIL held."""
    gc.collect(generation)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


M_ARENA_MAX = -8  # mallopt's parameter (malloc.h)


def share_malloc_arenas(arenas: int = 2) -> None:
    """Before a process starts its threads: glibc gives each thread that allocates an arena of its own (up to eight
    per core), each keeping the memory freed in it for that thread; ``arenas`` shared by all the threads hold less."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, arenas)


def share_with_children() -> None:
    """Just before a process forks its workers: move what it built so far (modules, settings, caches) out of the
    garbage collector's reach, so the children's collections never write to those pages and they stay shared with
    the parent instead of being copied into every child."""
    gc.collect()
    gc.freeze()


class Turn:
    """One holder at a time among a node's threads and the processes it forks after making it (shared memory):
    ``take`` answers at once. A holder whose process died (kill -9) or that held it past ``longest`` seconds loses
    it, so a turn is never stuck."""

    def __init__(self) -> None:
        self._lock = multiprocessing.Lock()
        self._holder = multiprocessing.RawArray(ctypes.c_double, 2)  # its PID (0: free), since (CLOCK_MONOTONIC)
        self._local = threading.local()  # whether this thread holds it (threads of one process share its PID)

    def take(self, longest: float) -> bool:
        if not self._lock.acquire(timeout=1.0):
            return False
        try:
            pid, since = int(self._holder[0]), self._holder[1]
            if pid and alive(pid) and time.monotonic() - since < longest:
                return False
            self._holder[0], self._holder[1] = os.getpid(), time.monotonic()
            self._local.held = True
            return True
        finally:
            self._lock.release()

    def give_back(self) -> None:
        if getattr(self._local, "held", False):
            self._local.held = False
            with self._lock:
                if int(self._holder[0]) == os.getpid():
                    self._holder[0] = 0


def alive(pid: int) -> bool:
    """Whether a process of that PID exists (one of another user's too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
