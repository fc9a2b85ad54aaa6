#!/usr/bin/env python3
"""The peers of examples/bench.rs: the same three workloads with crate-python's DB API
(`crate_raw`, the raw client) and with SQLAlchemy's ORM over sqlalchemy-cratedb
(`sqlalchemy_orm`), against the same server, with the same data and the same resets.

    python3 -m venv /tmp/venv-peer
    /tmp/venv-peer/bin/pip install -r examples/peer/requirements.txt
    CRATEDB_URL=crate://127.0.0.1:4200 /tmp/venv-peer/bin/python examples/peer/bench_peer.py --rows 10000 --reps 5

Not part of `cargo test`. Each workload starts from the same data (`insert`: a fresh table;
`update_one_key` and `load`: a fresh table of N rows, refreshed; every update writes a value no
run wrote before and loads the rows first, outside the clock). Variants run interleaved,
repetition by repetition, in alternating order. Requests go out in bulk requests of at most
10,000 rows, as the Rust bench does. One JSON line per variant: `wall_s` and `cpu_s` (this
process's CPU time) medians with `[min, max]` ranges.

SQLAlchemy's ORM sends one UPDATE per changed row (see `update_one_key`), so its `update_one_key` takes about 3 ms per
row here; `--sqlalchemy-update-rows M` (default 10,000) caps the rows it changes, and the line
says how many it did (`rows`), with the time per N rows extrapolated (`wall_s_per_n`).
"""

import argparse
import json
import os
import statistics
import time
from urllib.parse import urlparse

import sqlalchemy as sa
from crate import client as crate_client
from sqlalchemy.orm import Session, declarative_base
from sqlalchemy_cratedb import ObjectArray, ObjectType

TABLE = "bench_peer_characters"
CHUNK = 10_000
DDL = f"""CREATE TABLE "{TABLE}" (
  "id" TEXT PRIMARY KEY, "name" TEXT NOT NULL, "quote" TEXT NOT NULL,
  "details" OBJECT(DYNAMIC) NOT NULL, "more_details" ARRAY(OBJECT(DYNAMIC)) NOT NULL
) CLUSTERED INTO 4 SHARDS WITH (column_policy = 'strict', number_of_replicas = '0-1')"""
COLUMNS = '"id", "name", "quote", "details", "more_details"'
QUOTE = "We're on a space ship Arthur. In space."

Base = declarative_base()


class Character(Base):
    __tablename__ = TABLE
    id = sa.Column(sa.String, primary_key=True)
    name = sa.Column(sa.String)
    quote = sa.Column(sa.String)
    details = sa.Column(ObjectType)
    more_details = sa.Column(ObjectArray)


def details(i):
    return {"gender": "male" if i % 2 == 0 else "female", "species": "human", "age": i % 90}


def row(i):
    return [f"id-{i:08}", f"Character {i}", QUOTE, details(i), [{"foo": 1, "bar": 10}, {"foo": 2}]]


def model(i):
    r = row(i)
    return Character(id=r[0], name=r[1], quote=r[2], details=r[3], more_details=r[4])


def timed(work):
    cpu, wall = time.process_time(), time.perf_counter()
    result = work()
    sample = (time.perf_counter() - wall, time.process_time() - cpu)
    del result
    return sample


class Bench:
    def __init__(self, url, rows):
        u = urlparse(url)
        hosts = [f"http://{h}" for h in u.netloc.split("@")[-1].split(",")]
        self.n = rows
        self.conn = crate_client.connect(hosts)
        self.engine = sa.create_engine(f"crate://{hosts[0][len('http://'):]}")
        self.stamp = int(time.time())

    def execute(self, sql, args=None):
        cur = self.conn.cursor()
        cur.execute(sql, args)
        return cur

    def fresh_table(self):
        self.execute(f'DROP TABLE IF EXISTS "{TABLE}"')
        self.execute(DDL)

    def raw_insert(self):
        rows = [row(i) for i in range(self.n)]
        cur = self.conn.cursor()
        for k in range(0, len(rows), CHUNK):
            results = cur.executemany(f'INSERT INTO "{TABLE}" ({COLUMNS}) VALUES (?, ?, ?, ?, ?)', rows[k:k + CHUNK])
            if any(r.get("rowcount") != 1 for r in results):
                raise RuntimeError("bulk insert: rows failed")
        return rows

    def filled_table(self):
        self.fresh_table()
        self.raw_insert()
        self.execute(f'REFRESH TABLE "{TABLE}"')
        count = self.execute(f'SELECT count(*) FROM "{TABLE}"').fetchone()[0]
        if count != self.n:
            raise RuntimeError(f"the table holds {count} rows after filling, not {self.n}")

    def raw_load(self):
        rows = self.execute(f'SELECT {COLUMNS} FROM "{TABLE}" LIMIT {self.n}').fetchall()
        if len(rows) != self.n:
            raise RuntimeError(f"loaded {len(rows)} rows, expected {self.n}")
        return rows

    def orm_load(self, limit=None):
        session = Session(self.engine)
        models = session.query(Character).limit(limit or self.n).all()
        if len(models) != (limit or self.n):
            raise RuntimeError(f"loaded {len(models)} models, expected {limit or self.n}")
        return session, models

    def species(self, rep, variant):
        return f"Betelgeusian-{self.stamp:010}-{rep:04}-{variant}"


def interleave(op, n, reps, variants):
    samples = {name: [] for name, _ in variants}
    for rep in range(reps):
        order = variants if rep % 2 == 0 else list(reversed(variants))
        for name, run in order:
            samples[name].append(run(rep))
    for name, _ in variants:
        s = samples[name]
        rows = s[0][2] if len(s[0]) > 2 else n
        wall = [x[0] for x in s]
        cpu = [x[1] for x in s]
        line = {"op": op, "variant": name, "rows": rows, "reps": reps,
                "wall_s": round(statistics.median(wall), 6), "wall_range": [round(min(wall), 6), round(max(wall), 6)],
                "cpu_s": round(statistics.median(cpu), 6), "cpu_range": [round(min(cpu), 6), round(max(cpu), 6)]}
        if rows != n:
            line["wall_s_per_n"] = round(statistics.median(wall) * n / rows, 3)
        print(json.dumps(line), flush=True)


def insert(b, reps):
    def crate_raw(rep):
        b.fresh_table()
        return timed(b.raw_insert)

    def sqlalchemy_orm(rep):
        b.fresh_table()

        def work():
            with Session(b.engine) as session:
                session.add_all([model(i) for i in range(b.n)])
                session.commit()
        return timed(work)

    interleave("insert", b.n, reps, [("crate_raw", crate_raw), ("sqlalchemy_orm", sqlalchemy_orm)])


def update_one_key(b, reps, orm_rows):
    refresh = lambda: b.execute(f'REFRESH TABLE "{TABLE}"')
    sql = f'UPDATE "{TABLE}" SET "details"[\'species\'] = ? WHERE "id" = ?'

    def crate_raw(rep):
        refresh()
        rows = b.raw_load()
        value = b.species(rep, 0)

        def work():
            for r in rows:
                r[3]["species"] = value
            args = [[r[3]["species"], r[0]] for r in rows]
            cur = b.conn.cursor()
            for k in range(0, len(args), CHUNK):
                results = cur.executemany(sql, args[k:k + CHUNK])
                if any(x.get("rowcount") != 1 for x in results):
                    raise RuntimeError("bulk update: rows failed")
            return args
        return timed(work)

    def sqlalchemy_orm(rep):
        refresh()
        session, models = b.orm_load(orm_rows)
        value = b.species(rep, 1)

        def work():
            # sqlalchemy-cratedb 0.44 cannot send the ORM's batched (executemany) UPDATE of an
            # object key: its before_execute rewrite drops the parameter list and the statement
            # becomes `UPDATE … SET  WHERE …`. Flushed row by row it works: one request per row.
            for m in models:
                m.details["species"] = value
                session.flush()
            session.commit()
        sample = timed(work)
        session.close()
        return sample + (len(models),)

    interleave("update_one_key", b.n, reps, [("crate_raw", crate_raw), ("sqlalchemy_orm", sqlalchemy_orm)])


def load(b, reps):
    def sqlalchemy_orm(rep):
        def work():
            session, models = b.orm_load()
            session.close()
            return models
        return timed(work)

    interleave("load", b.n, reps, [("crate_raw", lambda rep: timed(b.raw_load)), ("sqlalchemy_orm", sqlalchemy_orm)])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=10_000)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--only", choices=["insert", "update_one_key", "load"])
    p.add_argument("--sqlalchemy-update-rows", type=int, default=10_000)
    o = p.parse_args()
    b = Bench(os.environ.get("CRATEDB_URL", "crate://localhost:4200"), o.rows)
    if o.only in (None, "insert"):
        insert(b, o.reps)
    if o.only in (None, "update_one_key"):
        b.filled_table()
        update_one_key(b, o.reps, min(o.rows, o.sqlalchemy_update_rows))
    if o.only in (None, "load"):
        b.filled_table()
        load(b, o.reps)
    b.execute(f'DROP TABLE IF EXISTS "{TABLE}"')


if __name__ == "__main__":
    main()
