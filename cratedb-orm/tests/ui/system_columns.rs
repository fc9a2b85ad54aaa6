use cratedb_orm::CrateModel;

#[derive(CrateModel)]
struct System {
    #[cratedb(column = "_id", primary_key, index = false)]
    id: Option<String>,
    #[cratedb(column = "_private")]
    private: String,
    #[cratedb(column = "a.b")]
    dotted: String,
    #[cratedb(fetched, default = make)]
    made: Option<String>,
}

fn make() -> String {
    String::new()
}

fn main() {}
