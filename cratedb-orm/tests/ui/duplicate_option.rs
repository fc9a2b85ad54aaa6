use cratedb_orm::CrateModel;

#[derive(CrateModel)]
#[cratedb(table = "a")]
#[cratedb(table = "b", number_of_replicas = 1, with(number_of_replicas = 2))]
struct Duplicate {
    #[cratedb(primary_key, primary_key)]
    id: String,
    #[cratedb(index = false)]
    #[cratedb(index = true)]
    name: String,
}

fn main() {}
