//! The checks behind the ORM's fuzz target, shared by `cargo fuzz` (`fuzz_targets/`) and the
//! seed-corpus replay test (`cratedb-orm/tests/fuzz_corpus.rs`). Needs the tutorial's models in
//! scope as `super::models` (`Character`, `Log`, `Item`, `City`).

use cratedb_client::{Client, SqlResponse};
use cratedb_orm::{CrateModel, Error, RowLayout, Session};

use super::models::{Character, City, Item, Log};

/// A `/_sql` answer decoded into each tutorial model, directly and through a session: models,
/// or a typed error naming the column — never a panic.
pub fn row_decoder(data: &[u8]) {
    let Ok(response) = SqlResponse::from_body("fuzz-host:4200", data) else {
        return;
    };
    decode::<Character>(&response);
    decode::<Log>(&response);
    decode::<Item>(&response);
    decode::<City>(&response);
}

fn decode<M: CrateModel>(response: &SqlResponse) {
    let layout = RowLayout::new(M::meta(), &response.cols);
    for row in &response.rows {
        let mut row = row.clone();
        check(M::from_row(&layout, &mut row).map(|_| ()));
    }
    // Through a session (identity map); the client sends nothing here.
    let Ok(client) = Client::new("crate://fuzz-host:4200") else {
        return;
    };
    let mut session = Session::new(client);
    check(session.track_rows::<M>(response.clone()).map(|_| ()));
}

fn check(result: Result<(), Error>) {
    match result {
        Ok(()) => {}
        Err(Error::Decode { column, .. }) => assert!(!column.is_empty(), "no column named"),
        Err(Error::InvalidQuery { message }) => assert!(!message.is_empty()),
        Err(e) => panic!("unexpected error kind from row decoding: {e:?}"),
    }
}
