use cratedb_orm::CrateModel;

fn gen_key() -> String {
    String::new()
}

#[derive(CrateModel)]
struct Generated {
    #[cratedb(primary_key, generated = "upper(name)")]
    id: String,
    #[cratedb(generated = "lower(name)", default = gen_key)]
    name_normalized: Option<String>,
    #[cratedb(default = gen_key, server_default = "'x'")]
    name: String,
}

fn main() {}
