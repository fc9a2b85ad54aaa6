use cratedb_orm::{CrateModel, Select, TimestampTz};

#[derive(CrateModel)]
#[cratedb(table = "readings")]
struct Reading {
    #[cratedb(primary_key)]
    id: String,
    ts: TimestampTz,
}

fn main() {
    // Text is a timestamp only through an explicit conversion:
    // `"2025-03-02T00:00:00Z".parse::<TimestampTz>()?`.
    let _ = Select::<Reading>::new().filter(Reading::ts().gt("2025-03-02"));
}
