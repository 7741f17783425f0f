"""``vanban sign-agent`` started as a leader starts it, its PIN on stdin (``--pin-stdin``), its terminal read here."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from typing import IO

import httpx

from signing.pkcs11 import SOFTHSM2
from tests.backends import ROOT, free_port

ORIGIN = "https://vanban.truong.local"


class AgentProcess:
    """The agent on a free port; ``lines``: what it printed on its terminal, in order."""

    def __init__(self, env: dict[str, str], pin: str, *options: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable,
            "-m",
            "service.cli",
            "sign-agent",
            "--module",
            str(SOFTHSM2),
            "--port",
            str(self.port),
        ]
        self.proc = subprocess.Popen(
            [*command, "--pin-stdin", *options],
            cwd=ROOT,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._new: queue.Queue[str] = queue.Queue()
        assert self.proc.stdout is not None and self.proc.stdin is not None
        threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True).start()
        self.answer(pin)

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))
            self._new.put(line)

    def answer(self, line: str) -> None:
        """Type ``line`` and Enter on the agent's terminal."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait_for(self, text: str, timeout: float = 60) -> str:
        """The first line (from now on) holding ``text``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._new.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None and self._new.empty():
                    break
                continue
            if text in line:
                return line
        raise AssertionError(f"the agent never printed {text!r}:\n{self.output}")

    def client(self, origin: str | None = ORIGIN) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, headers={"Origin": origin} if origin else {})

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def exit_code(self, timeout: float = 60) -> int:
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


def started(env: dict[str, str], pin: str, *options: str) -> AgentProcess:
    """An agent that listens (it printed where); stopped by the caller."""
    agent = AgentProcess(env, pin, *options)
    try:
        agent.wait_for(f"http://127.0.0.1:{agent.port}")
    except BaseException:
        agent.stop()
        raise
    return agent
