"""Call-up letters through the API and through ``vanban batch``, measured in the same run on the embedded default.

    .venv/bin/python benchmarks/cli_batch.py [--letters 1000] [--rounds 1]

The API's time runs from the upload to the job's end, its service already warm (``service_process.Service``, a
warm-up batch first), as ``benchmarks/batch_call_up.py`` measures it. The command's time is the whole command as a
user runs it, in the same data folder once the service has stopped: start, LibreOffice, the letters, and writing
them, ``merged.pdf`` and ``report.json``. Prints both, and the ratio (goal: ``vanban batch`` <= 1.3x the API).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch_call_up import BATCH, ROOT, class_list
from service_process import Service


def cli_batch(data_dir: Path, xlsx: Path, batch: Path, out: Path) -> float:
    env = {**os.environ, "VANBAN_DATA_DIR": str(data_dir)}
    start = time.perf_counter()
    command = ["batch", "giay-trieu-tap", str(xlsx), "--data", str(batch), "-o", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"vanban batch failed ({done.returncode}):\n{done.stderr[-3000:]}")
    letters = len(list(out.glob("[0-9]*.pdf")))
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    if report["status"] != "succeeded" or letters != report["progress"]["total"]:
        raise SystemExit(f"vanban batch wrote {letters} letters, status {report['status']}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=1, help="API then CLI, this many times; the best of each")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        xlsx_bytes = class_list(args.letters)
        xlsx, batch = Path(tmp) / "list.xlsx", Path(tmp) / "batch.json"
        xlsx.write_bytes(xlsx_bytes)
        batch.write_text(json.dumps(BATCH), encoding="utf-8")
        api: list[float] = []
        cli: list[float] = []
        for round_ in range(args.rounds):
            service = Service(data_dir)
            try:
                service.batch(class_list(20), BATCH)  # warm-up: workers' LibreOffice, imports, caches
                api.append(service.batch(xlsx_bytes, BATCH))
            finally:
                service.stop()
            cli.append(cli_batch(data_dir, xlsx, batch, Path(tmp) / f"out-{round_}"))
            print(f"round {round_ + 1}: API {api[-1]:.2f} s, vanban batch {cli[-1]:.2f} s", flush=True)
        best_api, best_cli = min(api), min(cli)
        for name, seconds in (("API:         ", best_api), ("vanban batch:", best_cli)):
            print(f"{name} {args.letters} letters in {seconds:.2f} s ({seconds * 1000 / args.letters:.1f} ms/letter)")
        print(f"vanban batch / API: {best_cli / best_api:.2f}x (goal <= 1.3x)")


if __name__ == "__main__":
    main()
