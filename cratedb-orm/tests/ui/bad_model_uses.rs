use cratedb_orm::{Client, CrateModel, Session};

/// A model with a mistake: its uses below add no errors of their own.
#[derive(CrateModel, Default)]
#[cratedb(table = "bad", tabel = "typo")]
struct Bad {
    #[cratedb(primary_key)]
    id: String,
    name: Option<String>,
}

fn main() {
    let _ = Bad::create_table_sql();
    let _ = Bad::name().eq("x");
    let mut session = Session::new(Client::new("crate://").unwrap());
    let h = session.add(Bad::default());
    let _ = &session[h].name;
    let _ = session.query::<Bad>().filter(Bad::id().eq("a")).to_sql();
}
