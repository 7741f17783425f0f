"""What the embedded default's processes share: ``vanban serve`` forks its worker node once the API's and the workers'
code is imported, so that code is in memory once for the API, the node and the node's worker processes (a node
started as a program of its own loaded all of it again: about 100 MB more)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.backends import EMBEDDED, ServiceProcesses, on

pytestmark = pytest.mark.slow


def _rollup(pid: int) -> dict[str, int]:
    """``/proc/PID/smaps_rollup`` in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        values[name] = int(value.split()[0])
    return values


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


@on(EMBEDDED)
def test_the_worker_node_is_forked_from_the_api_and_shares_its_memory(service: ServiceProcesses) -> None:
    serve = service.procs[0].pid
    nodes = [p for p in _children(serve) if Path(f"/proc/{p}/comm").read_text().strip() == "vanban-worker"]
    assert len(nodes) == 1, [Path(f"/proc/{p}/comm").read_text() for p in _children(serve)]
    assert Path(f"/proc/{nodes[0]}/exe").resolve() == Path(f"/proc/{serve}/exe").resolve()
    # pages written before the fork and not since: the imported code, shared by the API with its node (a program
    # started on its own shares none of the API's heap)
    assert _rollup(serve)["Shared_Dirty"] > 30 * 1024, _rollup(serve)
