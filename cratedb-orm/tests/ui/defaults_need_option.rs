use cratedb_orm::{CrateModel, TimestampTz};

fn yes() -> bool {
    true
}

fn answer() -> i64 {
    42
}

fn gen_key() -> String {
    "k".to_owned()
}

/// A default on a non-`Option` field would replace `false` and `0`, which are values.
#[derive(CrateModel)]
struct ClientDefaults {
    #[cratedb(primary_key, default = gen_key)]
    id: String,
    #[cratedb(default = yes)]
    flag: bool,
    #[cratedb(default = answer)]
    n: i64,
}

/// A server default on a non-`Option` field would never apply: the Rust value is sent.
#[derive(CrateModel)]
struct ServerDefaults {
    #[cratedb(primary_key, server_default = "gen_random_text_uuid()")]
    id: String,
    #[cratedb(server_default = "now()")]
    created_at: TimestampTz,
}

/// Allowed: `Option` fields, filled only while `None`.
#[derive(CrateModel)]
struct Allowed {
    #[cratedb(primary_key, default = gen_key)]
    id: Option<String>,
    #[cratedb(default = yes)]
    flag: Option<bool>,
    #[cratedb(server_default = "now()")]
    created_at: Option<TimestampTz>,
}

fn main() {}
