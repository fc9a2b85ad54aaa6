use cratedb_orm::{CrateModel, Select, TimestampTz};

#[derive(CrateModel)]
#[cratedb(table = "devices")]
struct Device {
    #[cratedb(primary_key)]
    id: String,
}

#[derive(CrateModel)]
#[cratedb(table = "readings")]
struct Reading {
    #[cratedb(primary_key)]
    device_id: String,
    #[cratedb(primary_key)]
    ts: TimestampTz,
}

#[derive(CrateModel)]
#[cratedb(table = "alerts")]
struct Alert {
    #[cratedb(primary_key)]
    id: String,
    severity: i32,
}

fn main() {
    // A column of a model the query does not read, in WHERE and in ORDER BY.
    let _ = Select::<Device>::new().filter(Reading::device_id().eq("x"));
    let _ = Select::<Device>::new().order_by(Alert::severity());
    // A join makes the joined model's columns usable, and only those.
    let _ = Select::<Reading>::new()
        .join::<Device>()
        .on(Reading::device_id().eq(Device::id()))
        .select((Reading::ts(), Alert::severity()));
}
