//! Attribute errors and type errors are reported in one compilation.
use cratedb_orm::{CrateModel, Object};

#[derive(CrateModel)]
#[cratedb(tabel = "x")]
struct AllAtOnce {
    #[cratedb(primary_key)]
    id: Option<String>,
    #[cratedb(index = false)]
    details: Object,
    #[cratedb(generated = "1", default = nothing)]
    n: i32,
}

fn nothing() -> i32 {
    0
}

fn main() {}
