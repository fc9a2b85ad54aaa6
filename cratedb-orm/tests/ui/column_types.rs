use cratedb_orm::{CrateModel, FloatVector};

#[derive(CrateModel)]
struct Columns {
    #[cratedb(primary_key)]
    id: String,
    empty: FloatVector<0>,
    huge: Option<FloatVector<4096>>,
    unsupported: u64,
}

fn main() {}
