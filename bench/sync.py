#!/usr/bin/env python3
"""Benchmark: `ward sync` of 100,000 computers from `ward sim`.

Reports wall time, peak RSS of the `ward sync` process and the number of manager calls it made,
as medians over several runs (each into a fresh SQLite store), next to the targets of PRODUCT.md
(<= 5 s, <= 300 MB) with the ratio measured/target (below 1.0 is within the target).

Usage: bench/sync.py [--fleet 100000] [--runs 5] [--binary target/release/ward]
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

TARGET_WALL_S = 5.0
TARGET_RSS_MB = 300.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_measured(args, env, cwd):
    """Runs a command, returning (wall seconds, peak RSS in MB, stdout, stderr, status)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = b"", b""
    # wait4 gives this child's own rusage (ru_maxrss in KiB on Linux).
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024.0, out.decode(), err.decode(), proc.returncode


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fleet", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--binary", default=None)
    args = parser.parse_args()

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binary = args.binary
    if binary is None:
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
        subprocess.run(["cargo", "build", "--release", "-p", "ward"], cwd=root, check=True)
        binary = os.path.join(target, "release", "ward")

    port = free_port()
    sim = subprocess.Popen(
        [binary, "sim", "--listen", f"127.0.0.1:{port}", "--fleet", str(args.fleet), "--seed", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        banner = sim.stdout.readline().strip()
        print(f"simulator: {banner}")
        walls, rsss, calls = [], [], []
        for run in range(args.runs):
            work = tempfile.mkdtemp(prefix="ward-bench-sync-")
            try:
                with open(os.path.join(work, "ward.toml"), "w") as config:
                    config.write(
                        "version = 1\n[manager]\n"
                        f'url = "http://127.0.0.1:{port}/api"\n'
                        'api_key = { env = "WS_KEY" }\n'
                        f'[store]\nurl = "sqlite://{work}/ward.db"\n'
                    )
                env = dict(os.environ, WS_KEY="ward-sim-full-access")
                wall, rss, out, err, code = run_measured(
                    [binary, "--config", os.path.join(work, "ward.toml"), "sync"], env, work)
                if code != 0:
                    sys.exit(f"ward sync failed ({code}): {err}")
                match = re.search(r"synced (\d+) computers.*\((\d+) manager calls\)", out)
                if not match or int(match.group(1)) != args.fleet:
                    sys.exit(f"unexpected sync output: {out!r}")
                walls.append(wall)
                rsss.append(rss)
                calls.append(int(match.group(2)))
                print(f"run {run + 1}: {wall:.2f} s, peak RSS {rss:.0f} MB, {match.group(2)} manager calls")
            finally:
                shutil.rmtree(work, ignore_errors=True)
    finally:
        sim.terminate()
        sim.wait()

    wall, rss, call = statistics.median(walls), statistics.median(rsss), statistics.median(calls)
    print()
    print(f"ward sync of {args.fleet} computers, median of {args.runs} runs:")
    print(f"  wall time    {wall:6.2f} s   target {TARGET_WALL_S:.0f} s    ratio {wall / TARGET_WALL_S:.2f}")
    print(f"  peak RSS     {rss:6.0f} MB  target {TARGET_RSS_MB:.0f} MB  ratio {rss / TARGET_RSS_MB:.2f}")
    print(f"  manager calls {call:5.0f}     ({args.fleet / max(call, 1):.0f} computers per call)")
    ok = wall <= TARGET_WALL_S and rss <= TARGET_RSS_MB
    print("  within targets" if ok else "  OUTSIDE TARGETS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
