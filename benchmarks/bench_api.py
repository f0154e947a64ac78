"""Load test of the JSON API's overall-list endpoint on loopback (127.0.0.1 only).

Starts ``kommunebench serve`` in a subprocess over a warehouse (``--db``, or a small synthetic one
built in a temporary folder), then runs ``--clients`` concurrent clients (one ``httpx.AsyncClient``
each, keep-alive) that request ``GET /api/v1/lister/total`` until ``--requests`` requests are done
or ``--seconds`` have passed, whichever comes first. Reports requests/s and the latency
percentiles; the target is p99 <= 50 ms at 50 concurrent clients.

    python3 benchmarks/bench_api.py                      # build a scale-0.01 warehouse, 50 clients
    python3 benchmarks/bench_api.py --db ~/.local/share/kommunebench/warehouse.duckdb --requests 20000

Bounded: at most ``--seconds`` (default 20) of load after a warm-up of 200 requests; the server is
stopped at the end (also on Ctrl+C).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HOST = "127.0.0.1"  # loopback only, never another host
PATH = "/api/v1/lister/total"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _build_warehouse(folder: Path) -> Path:
    from kommunebench.benchmark.runs import execute_run
    from kommunebench.data import warehouse
    from kommunebench.data.load import load
    from kommunebench.data.synth import generate

    res = generate(folder / "snap", scale=0.01)
    db = folder / "warehouse.duckdb"
    load(db, res.out_dir)
    con = warehouse.connect(db)
    try:
        execute_run(con, period=f"{res.years[-1]}QMAT04")
    finally:
        con.close()
    return db


def _start_server(db: Path, port: int) -> subprocess.Popen:
    code = (
        "import sys; from kommunebench.cli import main; sys.argv = ['kommunebench', 'serve', "
        f"'--db', {str(db)!r}, '--host', {HOST!r}, '--port', '{port}']; main()"
    )
    env = {**os.environ, "KOMMUNEBENCH_HOST": HOST}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://{HOST}:{port}/api/v1/koersler", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not answer within 60 s")


async def _client(
    client: httpx.AsyncClient, budget: list[int], deadline: float, lat: list[float], errors: list[str]
) -> None:
    while budget[0] > 0 and time.perf_counter() < deadline:
        budget[0] -= 1
        t0 = time.perf_counter()
        try:
            r = await client.get(PATH)
            ok = r.status_code == 200 and len(r.content) > 1000
        except httpx.HTTPError as exc:
            ok, r = False, exc
        lat.append(time.perf_counter() - t0)
        if not ok:
            errors.append(str(getattr(r, "status_code", r)))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


async def _load(base: str, clients: int, requests: int, seconds: float, server_pid: int = 0) -> dict:
    """Steady state: every client opens its keep-alive connection and warms up first (4 requests
    each, not measured), then all of them run together until the budget or the time is used."""
    pool = [httpx.AsyncClient(base_url=base, timeout=10) for _ in range(clients)]
    try:
        await asyncio.gather(*[_client(c, [4], time.perf_counter() + 30, [], []) for c in pool])
        lat: list[float] = []
        errors: list[str] = []
        budget = [requests]
        cpu0, server0 = time.process_time(), _cpu_seconds(server_pid)
        gc.collect()
        gc.disable()  # the load generator's own GC pauses would show up as server latency
        t0 = time.perf_counter()
        try:
            await asyncio.gather(*[_client(c, budget, t0 + seconds, lat, errors) for c in pool])
        finally:
            wall = time.perf_counter() - t0
            gc.enable()
        client_cpu, server_cpu = time.process_time() - cpu0, _cpu_seconds(server_pid) - server0
    finally:
        await asyncio.gather(*[c.aclose() for c in pool])
    q = statistics.quantiles(lat, n=100, method="inclusive")
    return {
        "endpoint": PATH,
        "clients": clients,
        "requests": len(lat),
        "errors": len(errors),
        "seconds": round(wall, 2),
        "requests_per_s": round(len(lat) / wall, 1),
        "p50_ms": round(q[49] * 1000, 2),
        "p90_ms": round(q[89] * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2),
        "max_ms": round(max(lat) * 1000, 2),
        "server_cpu_ms_per_request": round(server_cpu / len(lat) * 1000, 3),
        "server_cpu_busy_pct": round(100 * server_cpu / wall, 1),
        "client_cpu_busy_pct": round(100 * client_cpu / wall, 1),
        "cpus": os.cpu_count(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="warehouse with at least one run (default: build a small one)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=10_000, help="stop after this many requests")
    ap.add_argument("--seconds", type=float, default=20.0, help="stop after this many seconds")
    ap.add_argument("--target-p99-ms", type=float, default=50.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-bench-api-") as tmp:
        db = args.db if args.db else _build_warehouse(Path(tmp))
        port = _free_port()
        server = _start_server(db, port)
        try:
            runner = asyncio.run
            try:  # the client's own overhead is part of every measured latency: use the faster loop if present
                import uvloop

                runner = uvloop.run
            except ImportError:
                pass
            result = runner(_load(f"http://{HOST}:{port}", args.clients, args.requests, args.seconds, server.pid))
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    result["target_p99_ms"] = args.target_p99_ms
    result["meets_target"] = result["p99_ms"] <= args.target_p99_ms and result["errors"] == 0
    print(json.dumps(result, indent=2))
    print(
        f"{result['requests']} requests from {args.clients} clients in {result['seconds']} s: "
        f"{result['requests_per_s']} req/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms "
        f"({'meets' if result['meets_target'] else 'MISSES'} the p99 <= {args.target_p99_ms:g} ms target)"
    )


if __name__ == "__main__":
    main()
