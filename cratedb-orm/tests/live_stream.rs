//! Streaming and keyset pagination on a real CrateDB (`CRATEDB_URL`): `Query::for_each` over
//! 20,000 rows (every row once, in order), stopped early with `ControlFlow::Break`, over
//! tuples and a join; `Query::pages` / `Keyset` ascending, descending, filtered, on a nullable
//! key and on a text key, every row exactly once; rows written between pages (after `REFRESH
//! TABLE`) seen when their key lies ahead of the cursor and not otherwise; tracked pages
//! written back; a walk resumed from a saved key. Each test in a schema of its own.

mod live;

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use cratedb_orm::query::Select;
use cratedb_orm::{CrateModel, Session, Value};
use serde_json::json;

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "stream_items", number_of_shards = 4, number_of_replicas = "0")]
struct Item {
    #[cratedb(primary_key)]
    id: i64,
    grp: i32,
    label: String,
    /// Unique where it is set: `1_000_000 - id`, NULL for every fifth row.
    seq: Option<i64>,
}

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "stream_tags", number_of_shards = 2, number_of_replicas = "0")]
struct Tag {
    #[cratedb(primary_key)]
    id: String,
    item_id: i64,
}

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "stream_words", number_of_shards = 3, number_of_replicas = "0")]
struct Word {
    #[cratedb(primary_key)]
    id: String,
    n: i64,
}

const INSERT_ITEM: &str =
    r#"INSERT INTO "stream_items" ("id", "grp", "label", "seq") VALUES ($1, $2, $3, $4)"#;

/// The id of the `i`-th item: spaced, so that pages do not end on round numbers.
fn item_id(i: i64) -> i64 {
    i * 3 + 1
}

fn grp(id: i64) -> i32 {
    (id % 7) as i32
}

fn seq(id: i64) -> Option<i64> {
    (id % 5 != 0).then_some(1_000_000 - id)
}

fn item_row(id: i64) -> Vec<Value> {
    vec![
        json!(id),
        json!(grp(id)),
        json!(format!("item {id}")),
        json!(seq(id)),
    ]
}

/// Inserts the items of `ids` (bulk requests of 5,000 rows), each landed.
fn insert_items(live: &live::Live, ids: impl IntoIterator<Item = i64>) {
    let rows: Vec<Vec<Value>> = ids.into_iter().map(item_row).collect();
    for chunk in rows.chunks(5_000) {
        let answer = live.client.bulk(INSERT_ITEM, chunk).expect("bulk insert");
        assert!(
            answer.results.iter().all(|r| r.rowcount == 1),
            "every row inserted"
        );
    }
}

/// A fresh schema with `n` items (`item_id(0..n)`), refreshed; `None` without `CRATEDB_URL`.
fn items(suite: &str, n: i64) -> Option<(live::Live, Vec<i64>)> {
    let live = live::connect(suite)?;
    live.create::<Item>();
    let ids: Vec<i64> = (0..n).map(item_id).collect();
    // Inserted out of key order, so that the server's order is its own work.
    insert_items(&live, ids.iter().rev().copied());
    live.refresh("stream_items");
    Some((live, ids))
}

/// The ids of a walk's pages, checked: no page empty, none longer than `size`, no id twice.
fn walk_ids(pages: &[Vec<Item>], size: usize) -> Vec<i64> {
    assert!(pages.iter().all(|p| !p.is_empty() && p.len() <= size));
    let ids: Vec<i64> = pages.iter().flatten().map(|i| i.id).collect();
    let distinct: BTreeSet<i64> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), ids.len(), "no row twice");
    ids
}

#[test]
fn live_stream_every_row_once_in_order_and_stop_early() {
    const N: i64 = 20_000;
    let Some((live, ids)) = items("stream_rows", N) else {
        return;
    };
    let mut session = Session::new(live.client.clone());

    // Every model once, in the server's order, as it arrives; nothing tracked.
    let mut seen = Vec::with_capacity(N as usize);
    session
        .query::<Item>()
        .order_by(Item::id())
        .for_each(|item| seen.push(item))
        .expect("stream");
    assert_eq!(seen.len(), N as usize);
    assert_eq!(seen.iter().map(|i| i.id).collect::<Vec<_>>(), ids);
    assert!(seen.iter().all(|i| *i
        == Item {
            id: i.id,
            grp: grp(i.id),
            label: format!("item {}", i.id),
            seq: seq(i.id),
        }));
    assert_eq!(
        session.iter::<Item>().count(),
        0,
        "streamed models are owned"
    );

    // Descending, filtered: the same rows as `load` gives.
    let mut streamed = Vec::new();
    session
        .query::<Item>()
        .filter(Item::grp().eq(3))
        .order_by(Item::id().desc())
        .for_each(|item| streamed.push(item))
        .expect("stream filtered");
    let loaded = session
        .query::<Item>()
        .filter(Item::grp().eq(3))
        .order_by(Item::id().desc())
        .load()
        .expect("load");
    assert!(!streamed.is_empty());
    assert_eq!(streamed, loaded);

    // Stopped early: no model after the break, and the session goes on (the rest of the
    // answer is dropped with its connection).
    let mut count = 0;
    let flow = session
        .query::<Item>()
        .order_by(Item::id())
        .try_for_each(|item| {
            count += 1;
            if item.id == item_id(4_999) {
                ControlFlow::Break(item.label)
            } else {
                ControlFlow::Continue(())
            }
        })
        .expect("stream stopped");
    assert_eq!(flow, ControlFlow::Break(format!("item {}", item_id(4_999))));
    assert_eq!(count, 5_000);
    for _ in 0..3 {
        assert_eq!(session.query::<Item>().count().expect("count"), N);
    }
    let flow = session
        .query::<Item>()
        .try_for_each(|_| ControlFlow::<()>::Continue(()))
        .expect("stream to the end");
    assert_eq!(flow, ControlFlow::Continue(()));

    // An error of the server before the first row (a table that does not exist here): an
    // error, nothing handed over.
    let mut handed = 0;
    let e = session
        .query::<Tag>()
        .for_each(|_| handed += 1)
        .expect_err("no such table");
    assert_eq!(
        live::sql_error(&e).map(|(_, code, _)| code),
        Some(4041),
        "{e:?}"
    );
    assert_eq!(handed, 0);
}

#[test]
fn live_stream_tuples_and_joins() {
    const N: i64 = 3_000;
    let Some((live, ids)) = items("stream_tuples", N) else {
        return;
    };
    live.create::<Tag>();
    // A tag for every tenth item.
    let tags: Vec<Vec<Value>> = ids
        .iter()
        .step_by(10)
        .map(|&id| vec![json!(format!("t{id}")), json!(id)])
        .collect();
    live.client
        .bulk(
            r#"INSERT INTO "stream_tags" ("id", "item_id") VALUES ($1, $2)"#,
            &tags,
        )
        .expect("tags");
    live.refresh("stream_tags");
    let mut session = Session::new(live.client.clone());

    // Tuples of a selection.
    let mut rows = Vec::new();
    session
        .query::<Item>()
        .select((Item::id(), Item::label(), Item::seq()))
        .order_by(Item::id())
        .for_each(|row| rows.push(row))
        .expect("tuples");
    assert_eq!(rows.len(), N as usize);
    assert!(rows
        .iter()
        .zip(&ids)
        .all(|((id, label, s), want)| id == want
            && *label == format!("item {want}")
            && *s == seq(*want)));

    // One column, stopped at the first value past a bound.
    let first = session
        .query::<Item>()
        .select(Item::id())
        .order_by(Item::id())
        .try_for_each(|id| {
            if id > 100 {
                ControlFlow::Break(id)
            } else {
                ControlFlow::Continue(())
            }
        })
        .expect("one column");
    assert_eq!(first, ControlFlow::Break(103));

    // An inner join: owned pairs.
    let mut pairs = Vec::new();
    session
        .query::<Item>()
        .join::<Tag>()
        .on(Tag::item_id().eq(Item::id()))
        .order_by(Item::id())
        .for_each(|(item, tag)| pairs.push((item.id, tag.id)))
        .expect("inner join");
    let want: Vec<(i64, String)> = ids
        .iter()
        .step_by(10)
        .map(|&id| (id, format!("t{id}")))
        .collect();
    assert_eq!(pairs, want);

    // A left join: every item once, the tag where there is one.
    let mut left = Vec::new();
    session
        .query::<Item>()
        .left_join::<Tag>()
        .on(Tag::item_id().eq(Item::id()))
        .order_by(Item::id())
        .for_each(|(item, tag)| left.push((item.id, tag.map(|t| t.id))))
        .expect("left join");
    assert_eq!(left.len(), N as usize);
    assert_eq!(left.iter().filter(|(_, t)| t.is_some()).count(), want.len());
    assert!(left
        .iter()
        .zip(&ids)
        .enumerate()
        .all(|(i, ((id, tag), want))| id == want
            && (*tag == (i % 10 == 0).then(|| format!("t{want}")))));
    assert_eq!(session.iter::<Item>().count(), 0);
    assert_eq!(session.iter::<Tag>().count(), 0);
}

#[test]
fn live_keyset_pages_visit_every_row_exactly_once() {
    const N: i64 = 2_345;
    let Some((live, ids)) = items("keyset_walk", N) else {
        return;
    };
    let mut session = Session::new(live.client.clone());

    // Ascending, through the iterator: pages of 100, the last one short.
    let pages: Vec<Vec<Item>> = session
        .query::<Item>()
        .pages(Item::id(), 100)
        .collect::<Result<_, _>>()
        .expect("ascending pages");
    assert_eq!(pages.len(), 24);
    assert_eq!(pages[23].len(), 45);
    assert_eq!(walk_ids(&pages, 100), ids);

    // A page size that divides the row count: the last full page is followed by one empty
    // query, and nothing after.
    let mut pager = Select::<Item>::new().keyset(Item::id(), 469);
    let mut pages = Vec::new();
    while let Some(page) = pager.next_page(&mut session).expect("page") {
        pages.push(page);
    }
    assert_eq!(pages.len(), 5);
    assert_eq!(walk_ids(&pages, 469), ids);
    assert!(pager.is_done());
    assert_eq!(pager.last_key(), Some(&json!(item_id(N - 1))));

    // Descending.
    let mut pager = Select::<Item>::new().keyset(Item::id(), 100).descending();
    let mut pages = Vec::new();
    while let Some(page) = pager.next_page(&mut session).expect("descending page") {
        pages.push(page);
    }
    let mut reversed = ids.clone();
    reversed.reverse();
    assert_eq!(walk_ids(&pages, 100), reversed);

    // With a filter: exactly the matching rows, in key order.
    let pages: Vec<Vec<Item>> = session
        .query::<Item>()
        .filter(Item::grp().eq(2))
        .filter(Item::label().like("item %"))
        .pages(Item::id(), 37)
        .collect::<Result<_, _>>()
        .expect("filtered pages");
    let want: Vec<i64> = ids.iter().copied().filter(|&id| grp(id) == 2).collect();
    assert!(want.len() > 37 * 2);
    assert_eq!(walk_ids(&pages, 37), want);
    assert!(pages.iter().flatten().all(|i| i.grp == 2));

    // A nullable key: the rows whose key is set, in its order (here the reverse of the ids);
    // the NULL rows are not returned.
    let pages: Vec<Vec<Item>> = session
        .query::<Item>()
        .pages(Item::seq(), 128)
        .collect::<Result<_, _>>()
        .expect("nullable key pages");
    let mut want: Vec<(Option<i64>, i64)> = ids
        .iter()
        .filter_map(|&id| seq(id).map(|s| (Some(s), id)))
        .collect();
    want.sort();
    assert!(want.len() < ids.len());
    let got: Vec<(Option<i64>, i64)> = pages.iter().flatten().map(|i| (i.seq, i.id)).collect();
    walk_ids(&pages, 128);
    assert_eq!(got, want);

    // Descending on the nullable key, resumed from a key saved halfway.
    let mut pager = Select::<Item>::new().keyset(Item::seq(), 200).descending();
    let first = pager
        .next_page(&mut session)
        .expect("first page")
        .expect("rows");
    let saved = pager
        .last_key()
        .and_then(Value::as_i64)
        .expect("a numeric key");
    assert_eq!(Some(saved), first[199].seq);
    let mut resumed = Select::<Item>::new()
        .keyset(Item::seq(), 200)
        .descending()
        .after(&Some(saved));
    let mut rest = Vec::new();
    while let Some(page) = resumed.next_page(&mut session).expect("resumed page") {
        rest.push(page);
    }
    let mut all = vec![first];
    all.extend(rest);
    let got: Vec<Option<i64>> = all.iter().flatten().map(|i| i.seq).collect();
    let mut want: Vec<Option<i64>> = want.into_iter().map(|(s, _)| s).collect();
    want.reverse();
    assert_eq!(got, want);
    walk_ids(&all, 200);
}

#[test]
fn live_keyset_on_a_text_key_follows_the_servers_order() {
    let Some(live) = live::connect("keyset_text") else {
        return;
    };
    live.create::<Word>();
    let mut words: Vec<String> = (0..700).map(|i| format!("w{i:04}")).collect();
    words.extend(
        [
            "W0001", "a", "Zebra", "zebra", "é", "e", "f", "日本", "ß", "ss", "w", "w0000 ", "",
        ]
        .map(String::from),
    );
    let rows: Vec<Vec<Value>> = words
        .iter()
        .enumerate()
        .map(|(n, w)| vec![json!(w), json!(n)])
        .collect();
    live.client
        .bulk(
            r#"INSERT INTO "stream_words" ("id", "n") VALUES ($1, $2)"#,
            &rows,
        )
        .expect("words");
    live.refresh("stream_words");
    let mut session = Session::new(live.client.clone());

    // The order the server sorts in, read in one query.
    let mut sorted = Vec::new();
    session
        .query::<Word>()
        .select(Word::id())
        .order_by(Word::id())
        .for_each(|w| sorted.push(w))
        .expect("sorted");
    assert_eq!(sorted.len(), words.len());

    // Pages by the text key compare with `>` as ORDER BY sorts: the same order, every word
    // once, with page ends among the odd words too.
    for size in [1, 7, 64, 1_000] {
        let got: Vec<String> = session
            .query::<Word>()
            .pages(Word::id(), size)
            .collect::<Result<Vec<_>, _>>()
            .expect("text pages")
            .into_iter()
            .flatten()
            .map(|w| w.id)
            .collect();
        assert_eq!(got, sorted, "page size {size}");
    }
}

#[test]
fn live_keyset_rows_written_between_pages() {
    // Ids 0, 10, …, 9,990.
    let Some(live) = live::connect("keyset_writes") else {
        return;
    };
    live.create::<Item>();
    let ids: Vec<i64> = (0..1_000).map(|i| i * 10).collect();
    insert_items(&live, ids.iter().copied());
    live.refresh("stream_items");
    let mut session = Session::new(live.client.clone());

    let mut pager = Select::<Item>::new().keyset(Item::id(), 100);
    let first = pager.next_page(&mut session).expect("page").expect("rows");
    assert_eq!(first.last().map(|i| i.id), Some(990));
    assert_eq!(pager.last_key(), Some(&json!(990)));

    // Between pages: rows before the cursor and after it, one deleted and one changed ahead
    // of it, then REFRESH TABLE.
    insert_items(&live, [5, 995, 1_001, 50_000]);
    live.client
        .sql(r#"DELETE FROM "stream_items" WHERE "id" = $1"#, &[1_000])
        .expect("delete");
    live.client
        .sql(
            r#"UPDATE "stream_items" SET "label" = $1 WHERE "id" = $2"#,
            &json!(["changed", 2_000]),
        )
        .expect("update");
    live.refresh("stream_items");

    let mut rest = Vec::new();
    while let Some(page) = pager.next_page(&mut session).expect("page") {
        rest.push(page);
    }
    let mut pages = vec![first];
    pages.extend(rest);
    let got = walk_ids(&pages, 100);
    // Ahead of the cursor: the new rows once, the deleted one not; behind it: not revisited.
    let mut want: Vec<i64> = ids.iter().copied().filter(|&id| id != 1_000).collect();
    want.extend([995, 1_001, 50_000]);
    want.sort();
    assert_eq!(got, want);
    assert!(!got.contains(&5), "a row behind the cursor is not visited");
    let changed = pages.iter().flatten().find(|i| i.id == 2_000);
    assert_eq!(changed.map(|i| i.label.as_str()), Some("changed"));

    // Tracked pages: each page's models changed, committed and handed out before the next;
    // the rows of later pages are read as stored, and every row is written once.
    let mut pager = Select::<Item>::new()
        .filter(Item::id().ge(1_000))
        .keyset(Item::id(), 250);
    let mut written = 0;
    while let Some(page) = pager.next_tracked(&mut session).expect("tracked page") {
        for &h in &page {
            assert!(!session[h].label.starts_with("done"), "a row read twice");
            session[h].label = format!("done {}", session[h].id);
        }
        session.commit().expect("commit a page");
        written += page.len();
        for h in page {
            session.take(h);
        }
        // The next page is a search: make this page's writes visible first, to show that
        // written rows are not read again.
        live.refresh("stream_items");
    }
    let tracked_rows = want.iter().filter(|&&id| id >= 1_000).count();
    assert_eq!(written, tracked_rows);
    assert_eq!(session.iter::<Item>().count(), 0, "every page handed out");
    assert_eq!(
        session
            .query::<Item>()
            .filter(Item::label().like("done %"))
            .count()
            .expect("count"),
        tracked_rows as i64
    );
}
