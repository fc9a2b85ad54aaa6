use cratedb_orm::CrateModel;

#[derive(CrateModel)]
#[cratedb(table = "logs")]
struct NoKey {
    level: String,
    message: String,
}

fn main() {}
