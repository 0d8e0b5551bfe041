#!/usr/bin/env python3
"""Benchmark: the dashboard and the HTTP API under wrk, 64 connections, 100,000 computers.

Starts `ward sim` with the fleet, syncs it into a fresh SQLite store, starts `ward run` on a free
loopback port, then drives each page and API route with `wrk -t2 -c64 --latency` (installed from
Debian when missing) for a few rounds. Reports per route the median over rounds of the p99
latency and of the requests per second, next to the target of PRODUCT.md (p99 < 50 ms) with the
ratio measured/target (below 1.0 is within the target).

Usage: bench/api.py [--fleet 100000] [--rounds 3] [--seconds 10] [--binary target/release/ward]
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

TARGET_P99_MS = 50.0
CONNECTIONS = 64

ROUTES = [
    ("dashboard overview", "/"),
    ("dashboard, one account", "/?account={account}"),
    ("unprotected page", "/unprotected"),
    ("findings page", "/findings"),
    ("API summary", "/api/v1/summary"),
    ("API computers page", "/api/v1/computers?limit=100"),
    ("API unprotected, one region", "/api/v1/computers?protected=false&region={region}&limit=100"),
    ("API coverage", "/api/v1/coverage"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_wrk():
    if shutil.which("wrk"):
        return
    print("installing wrk from Debian")
    subprocess.run(["apt-get", "update", "-qq"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)


def wait_http(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                return answer.read()
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{url} did not answer within {timeout} s")


UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url, seconds):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url],
        check=True, capture_output=True, text=True,
    ).stdout
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if not p99 or not rps:
        sys.exit(f"cannot read wrk's output:\n{out}")
    if non2xx or errors:
        sys.exit(f"{url}: errors under load:\n{out}")
    return float(p99.group(1)) * UNIT_MS[p99.group(2)], float(rps.group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fleet", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--binary", default=None)
    args = parser.parse_args()
    ensure_wrk()

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binary = args.binary
    if binary is None:
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
        subprocess.run(["cargo", "build", "--release", "-p", "ward"], cwd=root, check=True)
        binary = os.path.join(target, "release", "ward")

    work = tempfile.mkdtemp(prefix="ward-bench-api-")
    sim_port, port = free_port(), free_port()
    procs = []
    try:
        sim = subprocess.Popen(
            [binary, "sim", "--listen", f"127.0.0.1:{sim_port}", "--fleet", str(args.fleet),
             "--seed", "1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        procs.append(sim)
        print(f"simulator: {sim.stdout.readline().strip()}")
        config = os.path.join(work, "ward.toml")
        with open(config, "w") as f:
            f.write(
                "version = 1\n[manager]\n"
                f'url = "http://127.0.0.1:{sim_port}/api"\n'
                'api_key = { env = "WS_KEY" }\n'
                f'[store]\nurl = "sqlite://{work}/ward.db"\n'
            )
        env = dict(os.environ, WS_KEY="ward-sim-full-access", RUST_LOG="warn")
        subprocess.run([binary, "--config", config, "sync"], env=env, cwd=work, check=True,
                       stdout=subprocess.DEVNULL)
        run = subprocess.Popen(
            [binary, "--config", config, "run", "--listen", f"127.0.0.1:{port}",
             "--sync-every-secs", "0"],
            env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        procs.append(run)
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz")
        import json
        summary = json.loads(wait_http(f"{base}/api/v1/summary"))
        if summary["computers"] != args.fleet:
            sys.exit(f"the server holds {summary['computers']} computers, not {args.fleet}")
        account = max(summary["by_account"], key=summary["by_account"].get)
        region = max(summary["by_region"], key=summary["by_region"].get)

        results = {}
        for round_ in range(args.rounds):
            for name, path in ROUTES:
                url = base + path.format(account=account, region=region)
                p99, rps = wrk(url, args.seconds)
                results.setdefault(name, []).append((p99, rps))
                print(f"round {round_ + 1}: {name:32} p99 {p99:7.2f} ms  {rps:9.0f} req/s")
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"wrk, {CONNECTIONS} connections, {args.fleet} computers, median of {args.rounds} rounds "
          f"of {args.seconds} s:")
    worst = 0.0
    for name, _ in ROUTES:
        p99 = statistics.median(r[0] for r in results[name])
        rps = statistics.median(r[1] for r in results[name])
        worst = max(worst, p99)
        print(f"  {name:32} p99 {p99:7.2f} ms  target {TARGET_P99_MS:.0f} ms  "
              f"ratio {p99 / TARGET_P99_MS:.2f}  {rps:9.0f} req/s")
    ok = worst < TARGET_P99_MS
    print("  within target" if ok else "  OUTSIDE TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
