use cratedb_orm::CrateModel;

/// Nullable through an alias: caught by the type check instead of the syntax check.
type MaybeText = Option<String>;

#[derive(CrateModel)]
struct OptionKey {
    #[cratedb(primary_key)]
    id: Option<String>,
    #[cratedb(primary_key)]
    other: MaybeText,
}

/// Allowed: CrateDB generates the key.
#[derive(CrateModel)]
struct ServerKey {
    #[cratedb(primary_key, server_default = "gen_random_text_uuid()")]
    id: Option<String>,
}

fn main() {}
