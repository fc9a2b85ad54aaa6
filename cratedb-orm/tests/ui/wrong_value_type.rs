use cratedb_orm::CrateModel;

#[derive(CrateModel)]
#[cratedb(table = characters, number_of_shards = "3", schema = 1, versioned = true)]
struct Wrong {
    #[cratedb(primary_key = true, column = 5)]
    id: String,
    #[cratedb(index = "off", columnstore = 0, generated = lower, default = 1)]
    name: Option<String>,
    #[cratedb(server_default = now())]
    #[cratedb(object(policy = "loose"))]
    details: Option<cratedb_orm::Object>,
}

fn main() {}
