use cratedb_orm::{CrateModel, Object};

#[derive(CrateModel)]
#[cratedb(fulltext(columns("name")), fulltext(name = "y"), fulltext(name = "x", columns("details")))]
#[cratedb(fulltext(name = "name", columns("name")), fulltext(name = "z", columns("nom")))]
#[cratedb(fulltext(name = "x", columns("name")), fulltext = "y", partitioned_by())]
struct Fulltext {
    #[cratedb(primary_key)]
    name: String,
    #[cratedb(column = "name_fr")]
    nom: String,
    details: Option<Object>,
}

fn main() {}
