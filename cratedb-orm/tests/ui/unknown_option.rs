use cratedb_orm::CrateModel;

#[derive(CrateModel)]
#[cratedb(table = "t", shards = 3, primary_key)]
struct Unknown {
    #[cratedb(primary_key, nullable, table = "x")]
    id: String,
    #[cratedb(fulltext(analyser = "english"), object(policy = "strict", indexed))]
    details: Option<cratedb_orm::Object>,
}

fn main() {}
