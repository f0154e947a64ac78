"""Soak test on loopback (127.0.0.1 only): mixed reads and writes for a bounded time.

Starts ``kommunebench serve`` in a subprocess over a warehouse (``--db``, or a small synthetic one
built in a temporary folder) and runs, for ``--minutes`` (default 1; 30 for the closing figures):

* ``--readers`` clients (default 4) looping over uncached and cached public reads (the joblog
  monitor as of a random date, the lists, a municipality's page, the runs) and authenticated
  reads (``/api/v1/me``);
* one writer in this process, round-robin: create a token, check it works, revoke it and time
  how long until the server refuses it; record a case-log action through the API (analyst token);
  load one of two snapshots (alternating, so each load writes); every ``--run-every`` rounds a
  benchmark run.

Errors are counted by kind. The documented retries are HTTP 503 ``warehouse_busy`` (the server's
own write waited longer than ``write_wait``) and 429 (rate limit) — neither should occur here;
everything else (5xx, connection errors, a failed write, a revoked token working after 1 s) is an
error. Prints one JSON line of figures; exit status 1 when there was any error.

    python3 benchmarks/soak.py --minutes 30
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

HOST = "127.0.0.1"  # loopback only, never another host
RETRIES = {("503", "warehouse_busy"), ("429", "too_many_requests")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _build(folder: Path, scale: float) -> tuple[Path, Path, Path]:
    from kommunebench import pipeline

    a = pipeline.synthesize(folder / "a", scale=scale, seed=1).out_dir
    b = pipeline.synthesize(folder / "b", scale=scale, seed=2).out_dir
    db = folder / "warehouse.duckdb"
    pipeline.load_data(a, db=db)
    pipeline.run_benchmark(pipeline.RunConfig.build(period="2023QMAT04"), db=db)
    return db, a, b


def _serve(db: Path, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "KOMMUNEBENCH_DB": str(db)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kommunebench.cli", "serve", "--host", HOST, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://{HOST}:{port}/api/v1/openapi.json", timeout=2)
            return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.errors: list[str] = []
        self.latency: list[float] = []
        self.revocation: list[float] = []

    def count(self, what: str, n: int = 1) -> None:
        with self.lock:
            self.counts[what] += n

    def error(self, text: str) -> None:
        with self.lock:
            self.counts["errors"] += 1
            if len(self.errors) < 20:
                self.errors.append(text[:300])


def _classify(stats: Stats, r: httpx.Response, what: str) -> None:
    if r.status_code < 500 and r.status_code != 429:
        return
    try:
        code = r.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = ""
    if (str(r.status_code), code) in RETRIES:
        stats.count("documented_retries")
    else:
        stats.error(f"{what}: {r.status_code} {r.text[:200]}")


def _reader(url: str, stop: threading.Event, stats: Stats, seed: int, token: str) -> None:
    rnd = random.Random(seed)
    paths = ["/api/v1/lister/total", "/api/v1/kommuner/101", "/api/v1/koersler", "/", "/lister/total"]
    with httpx.Client(base_url=url, timeout=60) as c:
        while not stop.is_set():
            day = dt.date(2022, 1, 1) + dt.timedelta(days=rnd.randrange(900))
            path = rnd.choice([f"/api/v1/joblog?as_of={day}", *paths])
            headers = {"Authorization": f"Bearer {token}"} if rnd.random() < 0.1 else {}
            if headers:
                path = "/api/v1/me"
            t0 = time.perf_counter()
            try:
                r = c.get(path, headers=headers)
            except httpx.HTTPError as exc:
                stats.error(f"{path}: {exc!r}")
                continue
            with stats.lock:
                stats.latency.append(time.perf_counter() - t0)
                stats.counts["reads"] += 1
            _classify(stats, r, path)


def _writer(
    url: str, db: Path, folders: tuple[Path, Path], stop: threading.Event, stats: Stats, run_every: int
) -> None:
    from kommunebench import pipeline

    analyst, _ = pipeline.tokens.create_token(name="soak-analyst", role="analyst", db=db)
    i = 0
    with httpx.Client(base_url=url, timeout=60) as c:
        while not stop.is_set():
            i += 1
            try:
                token, row = pipeline.tokens.create_token(name=f"soak-{i}", role="municipality:101", db=db)
                auth = {"Authorization": f"Bearer {token}"}
                deadline = time.monotonic() + 1.0
                while c.get("/api/v1/me", headers=auth).status_code != 200:
                    if time.monotonic() > deadline:
                        stats.error(f"round {i}: a new token did not work within 1 s")
                        break
                    time.sleep(0.05)
                pipeline.tokens.revoke_token(row["token_id"], db=db)
                t0 = time.monotonic()
                while c.get("/api/v1/me", headers=auth).status_code != 401:
                    if time.monotonic() - t0 > 1.0:
                        stats.error(f"round {i}: a revoked token still worked after 1 s")
                        break
                    time.sleep(0.02)
                stats.revocation.append(time.monotonic() - t0)
                body = {"kommunekode": 101, "action": "phone_call", "data_month": "2023-01", "note": f"soak {i}"}
                r = c.post("/api/v1/joblog/sagslog", json=body, headers={"Authorization": f"Bearer {analyst}"})
                if r.status_code >= 500:
                    _classify(stats, r, "case log")
                elif r.status_code != 201:
                    stats.error(f"case log: {r.status_code} {r.text}")
                pipeline.load_data(folders[i % 2], db=db)
                if run_every and i % run_every == 0:
                    pipeline.run_benchmark(pipeline.RunConfig.build(period="2023QMAT04"), db=db)
                    stats.count("runs")
                stats.count("write_rounds")
            except Exception as exc:  # noqa: BLE001 - every failed write is an error of the soak
                stats.error(f"round {i}: {type(exc).__name__}: {exc}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="warehouse (default: a synthetic one in a temporary folder)")
    ap.add_argument("--minutes", type=float, default=1.0)
    ap.add_argument("--readers", type=int, default=4)
    ap.add_argument("--scale", type=float, default=0.01)
    ap.add_argument("--run-every", type=int, default=10, help="a benchmark run every N write rounds (0 = none)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-soak-") as tmp:
        folder = Path(tmp)
        os.environ.setdefault("KOMMUNEBENCH_KEY_DIR", str(folder / "keys"))
        db, a, b = _build(folder, args.scale)
        if args.db:
            db = args.db
        port = _free_port()
        server = _serve(db, port)
        url = f"http://{HOST}:{port}"
        stats, stop = Stats(), threading.Event()
        from kommunebench import pipeline

        reader_token, _ = pipeline.tokens.create_token(name="soak-reader", role="municipality:147", db=db)
        threads = [
            threading.Thread(target=_reader, args=(url, stop, stats, n, reader_token), daemon=True)
            for n in range(args.readers)
        ]
        threads.append(threading.Thread(target=_writer, args=(url, db, (a, b), stop, stats, args.run_every)))
        t0 = time.monotonic()
        try:
            for t in threads:
                t.start()
            stop.wait(args.minutes * 60)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=300)
            server.terminate()
            server.wait(timeout=30)
        lat = sorted(stats.latency) or [0.0]
        out = {
            "minutes": round((time.monotonic() - t0) / 60, 2),
            **dict(stats.counts),
            "read_p50_ms": round(1000 * statistics.median(lat), 1),
            "read_p99_ms": round(1000 * lat[int(0.99 * (len(lat) - 1))], 1),
            "revocation_max_ms": round(1000 * max(stats.revocation or [0.0]), 1),
            "revocation_p50_ms": round(1000 * statistics.median(stats.revocation or [0.0]), 1),
            "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
            "first_errors": stats.errors,
        }
        print(json.dumps(out, ensure_ascii=False))
        return 1 if stats.counts["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
