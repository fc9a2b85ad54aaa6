#!/usr/bin/env python3
"""Runs examples/bench.rs (the ORM and our raw client, over HTTP) and the Rust peer
(examples/peer-rust, the `postgres` crate over CrateDB's PostgreSQL wire protocol) on the same
CrateDB node, in a schema of their own, and prints one table of medians.

    python3 examples/peer-rust/side_by_side.py --rows 10000 --reps 5 --rounds 2

Run from the repository root. The node is CRATEDB_URL's (default crate://127.0.0.1:4200; one
server, plain HTTP); its psql port is asked from the node (`SELECT port['psql'] FROM sys.nodes`).
Both programs work on `bench_characters` in the schema `--schema` (default
`bench_side_by_side`; the ORM through `?schema=`, the peer through the connection's database),
which is dropped at the end. Each round runs the three workloads of both programs, one program
after the other (the order alternates from round to round, so a slow spell of a shared machine
hits both); every timed run is a sample, and the tables show each variant's median over all
samples with its range: wall time, and the client's own CPU time (less disturbed by other load
on the machine). Standard library only; `--json FILE` keeps every line the programs
printed.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import urllib.parse
import urllib.request

WORKLOADS = ["insert", "update_one_key", "load"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEER_MANIFEST = os.path.join(ROOT, "examples", "peer-rust", "Cargo.toml")

# (workload, title, [(column, program, variant)])
TABLE = [
    ("insert", "insert N", [
        ("ORM", "bench", "orm"),
        ("raw client", "bench", "raw"),
        ("postgres: one statement", "peer", "pg_multirow"),
        ("postgres: per row", "peer", "pg_prepared_per_row"),
    ]),
    ("update_one_key", "one OBJECT key on N loaded rows", [
        ("ORM", "bench", "orm"),
        ("raw client", "bench", "raw"),
        ("postgres: one statement", "peer", "pg_any"),
        ("postgres: per row", "peer", "pg_per_row"),
    ]),
    ("load", "load N", [
        ("ORM", "bench", "orm"),
        ("raw client", "bench", "raw"),
        ("postgres: one statement", "peer", "pg_structs"),
    ]),
]


def http_sql(base, stmt, args=()):
    body = json.dumps({"stmt": stmt, "args": list(args)}).encode()
    req = urllib.request.Request(base + "/_sql", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


def node(url):
    """The node's HTTP base URL and host, from a crate:// URL of one plain-HTTP server."""
    u = urllib.parse.urlparse(url)
    if u.scheme != "crate" or "," in u.netloc or "@" in u.netloc or u.query:
        sys.exit(f"side_by_side: CRATEDB_URL must be crate://host:port of one plain-HTTP node, not {url}")
    host = u.hostname or "localhost"
    port = u.port or 4200
    return f"http://{host}:{port}", host, port


def run(cmd, env=None):
    print("$", " ".join(cmd), file=sys.stderr, flush=True)
    out = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if out.returncode != 0:
        sys.exit(f"side_by_side: {cmd[0]} failed with {out.returncode}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def seconds(x):
    if x < 0.01:
        return f"{x * 1000:.1f} ms"
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=10_000)
    p.add_argument("--reps", type=int, default=5, help="repetitions per program run")
    p.add_argument("--rounds", type=int, default=1, help="runs of each program, alternating")
    p.add_argument("--schema", default="bench_side_by_side")
    p.add_argument("--json", help="write every line the programs printed to this file")
    p.add_argument("--from-json", help="print the tables of an earlier --json file, running nothing")
    o = p.parse_args()

    if o.from_json:
        with open(o.from_json) as f:
            lines = [json.loads(line) for line in f]
        rounds = {line["round"] for line in lines}
        reps = {line["reps"] for line in lines if "reps" in line}
        rows = {line["rows"] for line in lines if "rows" in line}
        o.rounds, o.reps, o.rows = len(rounds), max(reps), max(rows)
        report(lines, o)
        return

    url = os.environ.get("CRATEDB_URL", "crate://127.0.0.1:4200")
    base, host, http_port = node(url)
    ports = http_sql(base, "SELECT port['psql'] FROM sys.nodes WHERE port['http'] = ?", [http_port])["rows"]
    if not ports or ports[0][0] is None:
        sys.exit(f"side_by_side: the node at {base} has no psql port")
    pg_url = f"postgres://crate@{host}:{ports[0][0]}/{o.schema}"
    orm_url = f"crate://{host}:{http_port}/?schema={o.schema}"
    print(f"ORM and raw client: {orm_url}; postgres crate: {pg_url}", file=sys.stderr)

    # Build first (one cargo at a time), so no build falls inside a run.
    run(["cargo", "build", "--release", "-q", "-p", "cratedb-orm", "--example", "bench"])
    run(["cargo", "build", "--release", "-q", "--manifest-path", PEER_MANIFEST])
    bench_bin = os.path.join(ROOT, "target", "release", "examples", "bench")
    peer_bin = os.path.join(ROOT, "examples", "peer-rust", "target", "release", "cratedb-peer-rust")
    common = ["--rows", str(o.rows), "--reps", str(o.reps), "--samples"]

    def bench():
        env = dict(os.environ, CRATEDB_URL=orm_url)
        return [line for w in WORKLOADS for line in run([bench_bin, "--only", w] + common, env)]

    def peer():
        return run([peer_bin, "--url", pg_url] + common)

    lines = []
    try:
        for r in range(o.rounds):
            order = [("bench", bench), ("peer", peer)]
            if r % 2 == 1:
                order.reverse()
            for name, program in order:
                lines += [dict(line, program=name, round=r) for line in program()]
    finally:
        http_sql(base, f'DROP TABLE IF EXISTS "{o.schema}"."bench_characters"')

    if o.json:
        with open(o.json, "w") as f:
            for line in lines:
                f.write(json.dumps(line) + "\n")

    report(lines, o)


def report(lines, o):
    """Prints the tables of the sample lines of both programs."""
    samples = {}
    for line in lines:
        if line.get("sample"):
            key = (line["program"], line["op"], line["variant"])
            samples.setdefault(key, []).append((line["wall_s"], line["cpu_s"]))

    reps = o.reps * o.rounds
    columns = ["ORM", "raw client", "postgres: one statement", "postgres: per row"]
    for what, index in [("wall time", 0), ("client CPU time", 1)]:
        print(f"\nN = {o.rows:,}; {what}, median (min–max) of {reps} runs "
              f"({o.rounds} round(s) of {o.reps}); one CrateDB node, same schema\n")
        print("| workload | " + " | ".join(columns) + " |")
        print("|---" * (len(columns) + 1) + "|")
        for op, title, cells in TABLE:
            row = {}
            for column, program, variant in cells:
                xs = [s[index] for s in samples.get((program, op, variant), [])]
                if xs:
                    row[column] = f"{seconds(statistics.median(xs))} ({seconds(min(xs))}–{seconds(max(xs))})"
            print(f"| {title} | " + " | ".join(row.get(c, "–") for c in columns) + " |")


if __name__ == "__main__":
    main()
