use cratedb_orm::CrateModel;

/// A type of the application's own, with no CrateDB mapping.
#[derive(Debug, Clone, PartialEq)]
struct Money {
    cents: i64,
}

#[derive(CrateModel, Debug, Clone, PartialEq)]
struct Invoice {
    #[cratedb(primary_key)]
    id: String,
    total: Money,
    due_in: Option<std::time::Duration>,
}

fn main() {}
