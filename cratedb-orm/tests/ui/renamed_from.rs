use cratedb_orm::CrateModel;

/// `renamed_from` misused: every mistake is reported at its token.
#[derive(CrateModel)]
struct Renames {
    #[cratedb(primary_key)]
    id: String,
    #[cratedb(renamed_from = 3)]
    not_a_string: Option<String>,
    #[cratedb(renamed_from = "")]
    empty: Option<String>,
    #[cratedb(renamed_from = "itself")]
    itself: Option<String>,
    #[cratedb(column = "mapped", renamed_from = "mapped")]
    by_column: Option<String>,
    #[cratedb(renamed_from = "details.city")]
    dotted: Option<String>,
    #[cratedb(renamed_from = "_id")]
    from_system: Option<String>,
    #[cratedb(column = "_id", renamed_from = "old_id")]
    system: Option<String>,
    #[cratedb(renamed_from = "id")]
    still_a_field: Option<String>,
    #[cratedb(renamed_from = "battery")]
    battery_pct: Option<f64>,
    #[cratedb(renamed_from = "battery")]
    battery_level: Option<f64>,
    #[cratedb(skip, renamed_from = "old")]
    skipped: Option<String>,
    #[cratedb(renamed_from = "a", renamed_from = "b")]
    twice: Option<String>,
}

/// Allowed: one former name per field.
#[derive(CrateModel)]
struct Allowed {
    #[cratedb(primary_key, renamed_from = "device")]
    device_id: String,
    #[cratedb(renamed_from = "battery")]
    battery_pct: Option<f64>,
}

fn main() {
    assert_eq!(Allowed::meta().columns[0].renamed_from, Some("device"));
}
