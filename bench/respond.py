#!/usr/bin/env python3
"""Benchmarks of the response engine (PRODUCT.md C3 targets), each printed with its ratio:

1. parse + decide throughput: 100,000 GuardDuty events against a warm inventory of 100,000
   computers on one thread (target >= 100,000 events/s) — `cargo bench -p ward-respond --bench decide`;
2. one event, cold process: `ward handle --dry-run` of one GuardDuty finding (target <= 20 ms wall),
   median over many runs, against a synced simulator of 100,000 computers;
3. manager calls per event after sync: 1,000 GuardDuty findings on 100 known instances — reads to
   decide (target 0), and calls per distinct action done (target: writes only for actions; N
   findings on one computer in the window -> one scan task).

Usage: bench/respond.py [--fleet 100000] [--cold-runs 30] [--binary target/release/ward]
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request

TARGET_COLD_MS = 20.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url):
    with urllib.request.urlopen(url) as answer:
        return json.load(answer)


def guardduty(index, instance_id):
    return {
        "version": "0", "id": f"envelope-{index}", "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty", "account": "111122223333", "time": "2024-09-10T04:06:33Z",
        "region": "us-east-1", "resources": [],
        "detail": {
            "schemaVersion": "2.0", "accountId": "111122223333", "region": "us-east-1",
            "id": f"bench-finding-{index:05d}", "type": "Recon:EC2/PortProbeUnprotectedPort",
            "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": instance_id}},
            "service": {"archived": False, "count": 1}, "severity": 5,
        },
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fleet", type=int, default=100_000)
    parser.add_argument("--cold-runs", type=int, default=30)
    parser.add_argument("--binary", default=None)
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    print("== 1. parse + decide throughput")
    subprocess.run(["cargo", "bench", "-p", "ward-respond", "--bench", "decide"], cwd=root, check=True)

    binary = args.binary
    if binary is None:
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
        subprocess.run(["cargo", "build", "--release", "-p", "ward"], cwd=root, check=True)
        binary = os.path.join(target, "release", "ward")

    port = free_port()
    sim = subprocess.Popen(
        [binary, "sim", "--listen", f"127.0.0.1:{port}", "--fleet", str(args.fleet),
         "--seed", "3", "--scan-delay-ms", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    work = tempfile.mkdtemp(prefix="ward-bench-respond-")
    try:
        print(f"simulator: {sim.stdout.readline().strip()}")
        config = os.path.join(work, "ward.toml")
        with open(config, "w") as out:
            out.write(f'version = 1\n[manager]\nurl = "{base}/api"\n'
                      f'[store]\nurl = "sqlite://{work}/ward.db"\n'
                      f'[respond]\nevaluations_file = "{work}/evaluations.jsonl"\n')
        ward = [binary, "--config", config]
        subprocess.run(ward + ["sync"], cwd=work, check=True, stdout=subprocess.DEVNULL)
        inventory = json.loads(subprocess.run(
            ward + ["inventory", "--output", "json"], cwd=work, check=True,
            capture_output=True).stdout)
        protected = [c["instance_id"] for c in inventory if c["protected"] and c["instance_id"]]

        print("\n== 2. one event, cold process: ward handle --dry-run")
        one = os.path.join(work, "one.json")
        with open(one, "w") as out:
            json.dump(guardduty(0, protected[0]), out)
        walls = []
        for _ in range(args.cold_runs):
            start = time.perf_counter()
            subprocess.run(ward + ["handle", "--dry-run", one], cwd=work, check=True,
                           stdout=subprocess.DEVNULL)
            walls.append((time.perf_counter() - start) * 1000)
        cold = statistics.median(walls)
        print(f"  {args.cold_runs} runs: median {cold:.1f} ms, min {min(walls):.1f} ms, "
              f"max {max(walls):.1f} ms; target {TARGET_COLD_MS:.0f} ms; ratio {cold / TARGET_COLD_MS:.2f} "
              f"(below 1.0 is within the target)")

        print("\n== 3. manager calls per event after sync")
        batch = os.path.join(work, "batch.jsonl")
        instances = protected[:100]
        with open(batch, "w") as out:
            for index in range(1000):
                out.write(json.dumps(guardduty(index + 1, instances[index % len(instances)])) + "\n")
        calls_before = get_json(f"{base}/_sim/calls")["calls"]
        subprocess.run(ward + ["handle", "--dry-run", "--output", "json", batch], cwd=work,
                       check=True, stdout=subprocess.DEVNULL)
        decide_calls = get_json(f"{base}/_sim/calls")["calls"] - calls_before
        print(f"  deciding 1000 findings on {len(instances)} known instances: {decide_calls} manager calls "
              f"({decide_calls / 1000:.3f} per event; target 0)")
        actions_before = len(get_json(f"{base}/_sim/actions"))
        calls_before = get_json(f"{base}/_sim/calls")["calls"]
        results = subprocess.run(ward + ["handle", "--output", "json", batch], cwd=work, check=True,
                                 capture_output=True, text=True).stdout.splitlines()
        calls = get_json(f"{base}/_sim/calls")["calls"] - calls_before
        actions = get_json(f"{base}/_sim/actions")[actions_before:]
        done = [a for r in results for a in json.loads(r)["actions"] if a["status"] == "done"]
        scans = [a for a in actions if a["kind"].startswith("scan-for-")]
        print(f"  acting on them: {len(done)} actions done ({len(scans)} scan tasks for "
              f"{len(instances)} computers), {calls} manager calls, {len(actions)} state changes; "
              f"{calls / max(len(done), 1):.2f} calls per action done "
              f"(a recommendation scan with results applied reads the assignments before and after)")
        repeat_before = get_json(f"{base}/_sim/calls")["calls"]
        subprocess.run(ward + ["handle", "--output", "json", batch], cwd=work, check=True,
                       stdout=subprocess.DEVNULL)
        repeat = get_json(f"{base}/_sim/calls")["calls"] - repeat_before
        print(f"  replaying the same 1000 findings: {repeat} manager calls (target 0)")
    finally:
        sim.terminate()
        sim.wait()


if __name__ == "__main__":
    main()
