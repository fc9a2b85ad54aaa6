use cratedb_orm::CrateModel;

#[derive(CrateModel)]
struct Tuple(String);

#[derive(CrateModel)]
enum Kind {
    A,
}

#[derive(CrateModel)]
struct Generic<T> {
    #[cratedb(primary_key)]
    id: String,
    value: T,
}

#[derive(CrateModel)]
struct Reserved {
    #[cratedb(primary_key)]
    id: String,
    meta: String,
    create_table_sql: String,
    #[cratedb(skip, index = false)]
    cache: String,
}

#[derive(CrateModel)]
#[cratedb = "x"]
struct BadAttribute {
    #[cratedb(primary_key)]
    id: String,
    #[cratedb(fulltext, index = false)]
    text: String,
}

fn main() {}
