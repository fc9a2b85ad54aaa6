//! A streamed load of 100,000 rows from a real CrateDB (`CRATEDB_URL`): written by bulk
//! requests, read back into tracked models as the answer arrives (an answer of this size comes
//! in chunks), into tuples, and through a row sink; then a change to some of them is one bulk
//! request.

mod live;

use std::time::Instant;

use cratedb_orm::client::RowSink;
use cratedb_orm::write::insert_many;
use cratedb_orm::{object, CrateModel, Object, Session, Value};
use serde::de::SeqAccess;
use serde_json::json;

const ROWS: i64 = 100_000;

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "measurements", number_of_shards = 3, number_of_replicas = "0")]
struct Measurement {
    #[cratedb(primary_key)]
    id: i64,
    station: String,
    value: f64,
    flags: Option<Object>,
}

fn measurement(id: i64) -> Measurement {
    Measurement {
        id,
        station: format!("station-{:03}", id % 250),
        value: id as f64 * 0.5,
        flags: Some(
            object! { "ok": id % 10 != 0, "batch": id / 1000, "note": "steady state reading" },
        ),
    }
}

/// Sums the ids and counts the rows of a streamed answer, holding no row.
#[derive(Default)]
struct Totals {
    rows: i64,
    id_sum: i64,
}

impl RowSink for Totals {
    fn columns(&mut self, cols: &[String]) {
        assert_eq!(cols, ["id", "value"]);
    }

    fn row<'de, A: SeqAccess<'de>>(&mut self, mut row: A) -> Result<(), A::Error> {
        let id: i64 = row.next_element()?.unwrap_or(0);
        let _value: Option<f64> = row.next_element()?;
        self.rows += 1;
        self.id_sum += id;
        Ok(())
    }
}

#[test]
fn live_a_streamed_load_of_100_000_rows() {
    let Some(live) = live::connect("load") else {
        return;
    };
    live.create::<Measurement>();
    let (client, log) = live.logging_client();
    let mut rows: Vec<Measurement> = (0..ROWS).map(measurement).collect();
    let started = Instant::now();
    let written = insert_many(&mut rows).execute(&client).expect("insert");
    assert_eq!(written, ROWS as u64);
    let sent = log.take();
    assert_eq!(sent.len(), 10, "10 bulk requests of 10,000 rows");
    assert!(sent.iter().all(|s| s.bulk_rows == Some(10_000)));
    eprintln!("inserted {ROWS} rows in {:?}", started.elapsed());
    live.refresh("measurements");

    // Into tracked models, decoded as the body arrives.
    let started = Instant::now();
    let mut s = Session::new(client.clone());
    let handles = s
        .query::<Measurement>()
        .order_by(Measurement::id())
        .limit(ROWS as u64 + 1)
        .all()
        .expect("load");
    eprintln!("loaded {} models in {:?}", handles.len(), started.elapsed());
    assert_eq!(handles.len(), ROWS as usize);
    for (id, &h) in handles.iter().enumerate() {
        let expected = measurement(id as i64);
        if s[h] != expected {
            panic!("row {id}: {:?} != {expected:?}", s[h]);
        }
    }

    // Into tuples.
    let tuples: Vec<(i64, String)> = s
        .query::<Measurement>()
        .select((Measurement::id(), Measurement::station()))
        .filter(Measurement::id().ge(ROWS - 20_000))
        .order_by(Measurement::id().desc())
        .limit(ROWS as u64)
        .all()
        .expect("tuples");
    assert_eq!(tuples.len(), 20_000);
    assert_eq!(tuples[0], (ROWS - 1, measurement(ROWS - 1).station));

    // Through a row sink: nothing held per row.
    let mut totals = Totals::default();
    let info = client
        .query_with(
            r#"SELECT "id", "value" FROM "measurements" LIMIT 200000"#,
            &[] as &[Value],
            &mut totals,
        )
        .expect("query_with");
    assert_eq!((totals.rows, info.rowcount), (ROWS, ROWS));
    assert_eq!(totals.id_sum, ROWS * (ROWS - 1) / 2);

    // A one-key change to every tenth loaded model: one bulk UPDATE of 10,000 rows.
    log.take();
    for &h in handles.iter().step_by(10) {
        s[h].flags.as_mut().expect("flags").set("checked", true);
    }
    s.commit().expect("update");
    let sent = log.take();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        sent[0].sql,
        r#"UPDATE "measurements" SET "flags"['checked'] = $1 WHERE "id" = $2"#
    );
    assert_eq!(sent[0].bulk_rows, Some(10_000));
    live.refresh("measurements");
    let checked = s
        .query::<Measurement>()
        .filter(Measurement::flags().key("checked").eq(json!(true)))
        .count()
        .expect("count");
    assert_eq!(checked, ROWS / 10);
}
