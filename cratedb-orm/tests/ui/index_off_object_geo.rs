use cratedb_orm::{CrateModel, GeoPoint, GeoShape, Object, ObjectArray};

#[derive(CrateModel)]
struct IndexOff {
    #[cratedb(primary_key)]
    id: String,
    #[cratedb(index = false)]
    details: Option<Object>,
    #[cratedb(index = false)]
    more_details: ObjectArray,
    #[cratedb(index = false)]
    coordinate: Option<GeoPoint>,
    #[cratedb(index = false)]
    area: GeoShape,
}

fn main() {}
