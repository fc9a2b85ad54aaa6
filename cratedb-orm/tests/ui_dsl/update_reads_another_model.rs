use cratedb_orm::{write, CrateModel};

#[derive(CrateModel)]
#[cratedb(table = "devices")]
struct Device {
    #[cratedb(primary_key)]
    id: String,
    name: String,
}

#[derive(CrateModel)]
#[cratedb(table = "alerts")]
struct Alert {
    #[cratedb(primary_key)]
    id: String,
    severity: i32,
}

fn main() {
    // A DELETE of the devices table reads only device columns.
    let _ = write::delete_where::<Device, _>(Alert::severity().gt(3));
}
