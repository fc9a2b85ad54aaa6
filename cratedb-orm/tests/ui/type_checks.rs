use cratedb_orm::{CrateModel, FloatVector, GeoPoint, Object};

#[derive(CrateModel)]
struct Types {
    #[cratedb(primary_key)]
    location: GeoPoint,
    #[cratedb(primary_key)]
    tags: Vec<String>,
    #[cratedb(columnstore = false)]
    flag: bool,
    #[cratedb(object(policy = "strict"))]
    title: String,
    #[cratedb(fulltext)]
    count: i64,
    #[cratedb(server_default = "{}")]
    details: Option<Object>,
    #[cratedb(primary_key)]
    embedding: FloatVector<3>,
}

fn main() {}
