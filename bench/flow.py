#!/usr/bin/env python3
"""Flow benchmark (issue #5): 1,000,000 computers (JSON lines shaped like the Workload Security API's
`computer` objects) -> Parquet with six tasks — Map_all, mask the last 4 of `hostName`, truncate
`description` to 32, merge `platform` and `agentVersion`, keep `computerStatus.agentStatus = active`,
exclude `interfaces` — by ward's flow engine (`crates/ward-lake/benches/flow.rs`, release build) and,
side by side on the same file, by DuckDB doing the same transformation. Prints both wall times, the
ratio and both peak RSS (targets: faster than DuckDB, <= 512 MB). Medians of --runs runs.

Usage: bench/flow.py [--records N] [--runs N]   (installs duckdb into .venv when missing)
"""
import argparse, json, os, random, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, ".venv")

# The leaf fields written besides the tasks' own (flattened with `_` in the Parquet output).
EC2 = ["instanceID", "accountID", "availabilityZone", "type", "state", "amiID", "privateIPAddress",
       "publicIPAddress", "DNSName", "cloudProvider", "operatingSystem", "virtualizationType"]
PLATFORMS = ["Amazon Linux 2 (64 bit) (4.14.336-257.568.amzn2.x86_64)", "Ubuntu Linux 22.04 (64 bit)",
             "Microsoft Windows Server 2019 (64 bit) Build 17763", "Red Hat Enterprise 9 (64 bit)"]
STATUSES = ["active"] * 6 + ["warning", "error", "inactive", "offline"]


def computer(i, rng):
    zone = rng.choice(["us-east-1a", "us-east-1b", "eu-west-2a", "ap-southeast-2c"])
    host = f"ip-10-{i >> 16 & 255}-{i >> 8 & 255}-{i & 255}.{zone[:-1]}.compute.internal"
    return {
        "ID": i + 1, "hostName": host, "displayName": f"web-{i:07d}",
        "description": rng.choice(["Payments API front end, owned by the checkout team (PCI scope)",
                                   "batch worker", "", "Customer portal (blue/green), team web-platform"]),
        "platform": rng.choice(PLATFORMS), "agentVersion": f"20.0.{rng.randint(0, 9)}-{rng.randint(1000, 9999)}",
        "policyID": rng.randint(1, 12), "lastAgentCommunication": 1_732_000_000_000 + i,
        "computerStatus": {"agentStatus": rng.choice(STATUSES),
                           "agentStatusMessages": [rng.choice(["Managed (Online)", "Offline", "Pattern out of date"])]},
        "ec2VirtualMachineSummary": {
            "instanceID": f"i-{i:017x}", "accountID": rng.choice(["111122223333", "444455556666"]),
            "availabilityZone": zone, "type": rng.choice(["t3.micro", "m5.large", "c6i.xlarge"]),
            "state": rng.choice(["running", "running", "stopped"]), "amiID": "ami-0abcdef1234567890",
            "privateIPAddress": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
            "publicIPAddress": f"54.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
            "DNSName": f"ec2-54-{i & 255}.compute-1.amazonaws.com", "cloudProvider": "aws",
            "operatingSystem": "Linux", "virtualizationType": "hvm"},
        "interfaces": {"interfaces": [{"ID": 1, "name": "eth0", "MAC": "0a:1b:2c:3d:4e:5f",
                                       "IPs": [f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"], "primary": True}]},
    }


def generate(path, records):
    rng = random.Random(7)
    with open(path, "w") as out:
        for i in range(records):
            out.write(json.dumps(computer(i, rng), separators=(",", ":")))
            out.write("\n")


DUCKDB_SQL = """
COPY (
  SELECT ID,
         CASE WHEN length(hostName) > 4 THEN left(hostName, length(hostName) - 4) || '****'
              ELSE repeat('*', length(hostName)) END AS hostName,
         displayName, left(description, 32) AS description, platform, agentVersion,
         platform || ' / ' || agentVersion AS platformAgent,
         policyID, lastAgentCommunication,
         computerStatus.agentStatus AS computerStatus_agentStatus,
         to_json(computerStatus.agentStatusMessages) AS computerStatus_agentStatusMessages,
         {ec2}
  FROM read_json('{input}', format = 'newline_delimited')
  WHERE computerStatus.agentStatus = 'active'
) TO '{output}' (FORMAT parquet)
"""


def duckdb_script(input_path, output_path):
    ec2 = ", ".join(f"ec2VirtualMachineSummary.{f} AS ec2VirtualMachineSummary_{f}" for f in EC2)
    sql = DUCKDB_SQL.format(ec2=ec2, input=input_path, output=output_path)
    return ("import duckdb, json, sys\n"
            "con = duckdb.connect()\n"
            "con.execute('SET threads TO 2')\n"
            "con.execute('SET enable_progress_bar = false')\n"
            f"con.execute({sql!r})\n"
            f"print(con.execute(\"SELECT count(*) FROM read_parquet('{output_path}')\").fetchone()[0])\n")


CHECK = """
import duckdb, glob, json, sys
ward = glob.glob(sys.argv[1] + '/**/*.parquet', recursive=True)
duck = sys.argv[2]
con = duckdb.connect()
ward_columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({ward!r})").fetchall()]
duck_columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{duck}')").fetchall()]
cols = "ID, hostName, description, platformAgent, computerStatus_agentStatus, ec2VirtualMachineSummary_instanceID"
differ = [con.execute(f"SELECT count(*) FROM (SELECT {cols} FROM read_parquet({a!r}) EXCEPT SELECT {cols} FROM read_parquet({b!r}))").fetchone()[0]
          for a, b in ((ward, duck), (duck, ward))]
print(json.dumps({"files": len(ward), "ward_columns": ward_columns, "duck_columns": duck_columns, "differ": differ}))
"""


def check_outputs(python, ward_dir, duck_file):
    """ward's and DuckDB's outputs hold the same columns and the same transformed values."""
    result = json.loads(subprocess.run([python, "-c", CHECK, ward_dir, duck_file], capture_output=True, text=True,
                                       check=True).stdout)
    if sorted(result["ward_columns"]) != sorted(result["duck_columns"]):
        sys.exit(f"columns differ: ward {result['ward_columns']}, duckdb {result['duck_columns']}")
    if result["differ"] != [0, 0]:
        sys.exit(f"values of the transformed columns differ: {result['differ']} rows only in ward / only in duckdb")
    print(f"outputs agree: {len(result['ward_columns'])} columns in {result['files']} Parquet file(s) on both sides, "
          f"transformed columns equal row for row")


def run_measured(cmd):
    """Runs cmd in a fresh Python child that reports its own child's peak RSS."""
    wrapper = ("import resource, subprocess, sys, time, json\n"
               "t = time.perf_counter()\n"
               "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
               "wall = time.perf_counter() - t\n"
               "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
               "print(json.dumps({'rc': p.returncode, 'wall': wall, 'rss_mb': rss, 'out': p.stdout, 'err': p.stderr[-2000:]}))\n")
    result = json.loads(subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True,
                                       check=True).stdout)
    if result["rc"] != 0:
        sys.exit(f"{cmd[0]} failed: {result['err']}")
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    if subprocess.run([python, "-c", "import duckdb"], capture_output=True).returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "--quiet", "duckdb"], check=True)
    env = dict(os.environ, CARGO_TARGET_DIR=os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/ward-target")))
    build = subprocess.run(["cargo", "bench", "-p", "ward-lake", "--bench", "flow", "--no-run", "--message-format=json"],
                           cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    exe = [json.loads(l)["executable"] for l in build.stdout.splitlines()
           if l.startswith("{") and json.loads(l).get("executable") and json.loads(l)["target"]["name"] == "flow"][-1]
    work = tempfile.mkdtemp(prefix="ward-flow-bench-")
    try:
        data = os.path.join(work, "computers.jsonl")
        start = time.perf_counter()
        generate(data, args.records)
        size = os.path.getsize(data)
        print(f"input: {args.records:,} computers, {size / 1e6:.0f} MB of JSON lines ({time.perf_counter() - start:.0f} s to generate)")
        ward, duck = [], []
        for run in range(args.runs):
            out_dir = os.path.join(work, f"ward-{run}")
            w = run_measured([exe, data, out_dir])
            report = json.loads(w["out"])
            duck_file = os.path.join(work, f"duck-{run}.parquet")
            d = run_measured([python, "-c", duckdb_script(data, duck_file)])
            duck_rows = int(d["out"].strip().splitlines()[-1])
            if duck_rows != report["records_written"]:
                sys.exit(f"row counts differ: ward {report['records_written']}, duckdb {duck_rows}")
            if run == 0:
                print(f"ward's Parquet: {report['parquet']}; DuckDB's: its defaults (snappy, dictionary, "
                      f"row groups of 122,880 rows), 2 threads")
                check_outputs(python, out_dir, duck_file)
            shutil.rmtree(out_dir, ignore_errors=True)
            os.remove(duck_file)
            ward.append(w)
            duck.append(d)
            print(f"run {run + 1}: ward {w['wall']:.2f} s / {w['rss_mb']:.0f} MB, duckdb {d['wall']:.2f} s / {d['rss_mb']:.0f} MB, "
                  f"{report['records_written']:,} rows written")
        ward_wall = statistics.median(r["wall"] for r in ward)
        duck_wall = statistics.median(r["wall"] for r in duck)
        ward_rss = statistics.median(r["rss_mb"] for r in ward)
        duck_rss = statistics.median(r["rss_mb"] for r in duck)
        print(f"median wall: ward {ward_wall:.2f} s, duckdb {duck_wall:.2f} s, ratio ward/duckdb {ward_wall / duck_wall:.2f} (target < 1)")
        print(f"median peak RSS: ward {ward_rss:.0f} MB (target <= 512, ratio {ward_rss / 512:.2f}), duckdb {duck_rss:.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
