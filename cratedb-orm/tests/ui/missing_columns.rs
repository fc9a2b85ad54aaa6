use cratedb_orm::CrateModel;

#[derive(CrateModel)]
#[cratedb(clustered_by = "nope", partitioned_by("day", "month"))]
#[cratedb(fulltext(name = "name_ft", columns("name", "title"), analyzer = "english"))]
struct Missing {
    #[cratedb(primary_key)]
    id: String,
    #[cratedb(column = "day_of_year")]
    day: i32,
    name: String,
}

/// Clustering and partition columns must be part of the primary key.
#[derive(CrateModel)]
#[cratedb(clustered_by = "name", partitioned_by("day"))]
struct NotInKey {
    #[cratedb(primary_key)]
    id: String,
    day: i32,
    name: String,
}

fn main() {}
