"""How long until a revoked token is refused, on a given (large) warehouse (loopback only).

Starts ``kommunebench serve`` over ``--db`` on 127.0.0.1 and, ``--rounds`` times: creates a
token, waits until it works, then starts ``pipeline.tokens.revoke_token`` in a thread and polls
``GET /api/v1/me`` every 10 ms until it answers 401. Prints, per round, the seconds from the start
of the revocation to the first refusal and to the end of ``revoke`` (warehouse write, checkpoint
and the copy of the read snapshot). With ``--hold S`` another writer holds the writer lock for S
seconds while the revocation is made (as a long load would). One JSON line of figures at the end,
with the warehouse's size and the load average.

    python3 benchmarks/bench_revocation.py --db /path/to/warehouse.duckdb [--rounds 5] [--hold 10]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _serve(db: Path, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "KOMMUNEBENCH_DB": str(db)}
    cmd = [sys.executable, "-m", "kommunebench.cli", "serve", "--host", HOST, "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://{HOST}:{port}/api/v1/openapi.json", timeout=2)
            return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def _round(c: httpx.Client, db: Path, i: int, hold: float) -> tuple[float, float]:
    from kommunebench import pipeline
    from kommunebench.data import snapshot

    token, row = pipeline.tokens.create_token(name=f"bench-{i}", role="analyst", db=db)
    auth = {"Authorization": f"Bearer {token}"}
    while c.get("/api/v1/me", headers=auth).status_code != 200:
        time.sleep(0.05)
    held = threading.Event()

    def holder() -> None:
        with snapshot.writer_lock(db, wait=60):
            held.set()
            time.sleep(hold)

    if hold:
        threading.Thread(target=holder, daemon=True).start()
        held.wait(60)
    done: list[float] = []
    t0 = time.monotonic()

    def revoke() -> None:
        pipeline.tokens.revoke_token(row["token_id"], db=db)
        done.append(time.monotonic() - t0)

    worker = threading.Thread(target=revoke)
    worker.start()
    while c.get("/api/v1/me", headers=auth).status_code != 401:
        time.sleep(0.01)
    refused = time.monotonic() - t0
    worker.join()
    return refused, done[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--hold", type=float, default=0.0, help="another writer holds the lock this long")
    args = ap.parse_args()
    port = _free_port()
    server = _serve(args.db, port)
    refused, written = [], []
    try:
        with httpx.Client(base_url=f"http://{HOST}:{port}", timeout=120) as c:
            for i in range(args.rounds):
                r, w = _round(c, args.db, i, args.hold)
                refused.append(r)
                written.append(w)
                print(f"round {i}: refused after {r:.3f} s, revoke returned after {w:.3f} s", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    out = {
        "warehouse_mb": round(args.db.stat().st_size / 1e6, 1),
        "hold_s": args.hold,
        "refused_max_s": round(max(refused), 3),
        "refused_median_s": round(sorted(refused)[len(refused) // 2], 3),
        "revoke_returned_max_s": round(max(written), 3),
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
