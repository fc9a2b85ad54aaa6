use cratedb_orm::{CrateModel, TimestampTz};

fn day_of(r: &Reading) -> TimestampTz {
    r.ts
}

#[derive(CrateModel)]
#[cratedb(table = "readings")]
struct Reading {
    #[cratedb(primary_key)]
    device_id: String,
    #[cratedb(primary_key)]
    ts: TimestampTz,
    // `compute` without `generated`: a plain client default is `default`.
    #[cratedb(compute = day_of)]
    day: Option<TimestampTz>,
    // A generated key must be an `Option`: CrateDB (or `compute`) fills it after the model is built.
    #[cratedb(primary_key, generated = "date_trunc('day', ts)", compute = day_of)]
    week: TimestampTz,
    // `compute` fills only `None`.
    #[cratedb(generated = "date_trunc('hour', ts)", compute = day_of)]
    hour: TimestampTz,
}

fn main() {}
