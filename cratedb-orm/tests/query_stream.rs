//! Streaming queries (`Query::for_each`, `try_for_each`: whole models, selections, joins) and
//! keyset pagination (`Keyset`, `Query::pages`) against loopback servers: the stand-in of
//! `cratedb_client::testing`, and a raw server writing a long chunked answer on its own thread
//! (models arrive before the answer ends; the heap of the test's thread stays flat).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;

use cratedb_client::testing::{Reply, SqlRequest, TestServer};
use cratedb_orm::query::Select;
use cratedb_orm::{Client, CrateModel, Error, Session, Value};
use serde_json::json;

// ---- heap counting, for allocations on the test's own thread ----

struct Counting;

static IN_USE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    static TRACKED: Cell<bool> = const { Cell::new(false) };
}

fn tracked() -> bool {
    TRACKED.try_with(Cell::get).unwrap_or(false)
}

// SAFETY: every call is forwarded to `System` unchanged; only counters are updated.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && tracked() {
            let now = IN_USE.fetch_add(layout.size() as isize, Ordering::Relaxed)
                + layout.size() as isize;
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) };
        if tracked() {
            IN_USE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's pointer, layout and size.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && tracked() {
            let now = IN_USE.fetch_add(new_size as isize, Ordering::Relaxed) + new_size as isize;
            PEAK.fetch_max(now, Ordering::Relaxed);
            IN_USE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ---- models ----

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "items")]
struct Item {
    #[cratedb(primary_key)]
    id: i64,
    label: String,
}

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "tags")]
struct Tag {
    #[cratedb(primary_key)]
    id: String,
    item_id: i64,
}

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "events")]
struct Event {
    #[cratedb(primary_key)]
    id: String,
    seq: Option<i64>,
}

fn item_row(i: i64) -> Vec<Value> {
    vec![json!(i), json!(format!("item {i}"))]
}

/// A stand-in answering every SELECT with items `0..n`.
fn items_server(n: i64) -> TestServer {
    TestServer::with_handler(move |req: &SqlRequest| {
        if req.stmt.starts_with("SELECT") {
            Reply::rows(&["id", "label"], (0..n).map(item_row).collect())
        } else {
            Reply::default_for(req)
        }
    })
}

fn session_on(server: &TestServer) -> Session {
    Session::new(Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}")))
}

// ---- streaming ----

#[test]
fn for_each_hands_over_owned_untracked_models() {
    let server = items_server(250);
    let mut session = session_on(&server);
    let mut seen = Vec::new();
    session
        .query::<Item>()
        .filter(Item::label().like("item%"))
        .for_each(|item| seen.push(item))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(seen.len(), 250);
    assert_eq!(
        seen[249],
        Item {
            id: 249,
            label: "item 249".into()
        }
    );
    assert_eq!(session.iter::<Item>().count(), 0, "nothing tracked");
    let sent = server.requests();
    assert_eq!(
        sent[0].stmt,
        r#"SELECT "id", "label" FROM "items" WHERE "label" LIKE $1"#
    );
    assert_eq!(sent[0].args, vec![json!("item%")]);
}

#[test]
fn try_for_each_stops_early_and_the_session_goes_on() {
    let server = items_server(1000);
    let mut session = session_on(&server);
    let mut count = 0;
    let flow = session
        .query::<Item>()
        .try_for_each(|item| {
            count += 1;
            if item.id == 41 {
                ControlFlow::Break(item.label)
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(flow, ControlFlow::Break("item 41".to_string()));
    assert_eq!(count, 42, "no model after the break");
    let flow = session
        .query::<Item>()
        .try_for_each(|_| ControlFlow::<()>::Continue(()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(flow, ControlFlow::Continue(()));
    assert_eq!(server.request_count(), 2);
}

#[test]
fn selections_and_joins_stream_too() {
    let server = TestServer::with_handler(|req: &SqlRequest| {
        if req.stmt.contains("JOIN") {
            Reply::rows(
                &["id", "label", "id", "item_id"],
                vec![
                    vec![json!(1), json!("one"), json!("t1"), json!(1)],
                    vec![json!(2), json!("two"), json!("t2"), json!(2)],
                ],
            )
        } else if req.stmt.starts_with(r#"SELECT "label", "id""#) {
            Reply::rows(
                &["label", "id"],
                vec![vec![json!("a"), json!(1)], vec![json!("b"), json!(2)]],
            )
        } else {
            Reply::rows(&["id"], vec![vec![json!(1)], vec![json!(2)]])
        }
    });
    let mut session = session_on(&server);
    let mut rows = Vec::new();
    session
        .query::<Item>()
        .select((Item::label(), Item::id()))
        .for_each(|row| rows.push(row))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rows, [("a".to_string(), 1), ("b".to_string(), 2)]);

    let first = session
        .query::<Item>()
        .select(Item::id())
        .try_for_each(ControlFlow::Break)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first, ControlFlow::Break(1));

    let mut pairs = Vec::new();
    session
        .query::<Item>()
        .join::<Tag>()
        .on(Tag::item_id().eq(Item::id()))
        .for_each(|(item, tag)| pairs.push((item.label, tag.id)))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        pairs,
        [
            ("one".to_string(), "t1".to_string()),
            ("two".to_string(), "t2".to_string())
        ]
    );
    assert_eq!(session.iter::<Item>().count(), 0, "nothing tracked");
}

#[test]
fn a_row_that_does_not_fit_ends_the_stream_after_the_rows_before_it() {
    let server = TestServer::with_handler(|_| {
        Reply::rows(
            &["id", "label"],
            vec![item_row(0), item_row(1), vec![json!("two"), json!("x")]],
        )
    });
    let mut session = session_on(&server);
    let mut seen = 0;
    let e = session
        .query::<Item>()
        .for_each(|_| seen += 1)
        .expect_err("a text id");
    assert!(
        matches!(e, Error::Decode { ref column, .. } if column == "id"),
        "{e:?}"
    );
    assert_eq!(seen, 2);
    assert_eq!(server.request_count(), 1, "not sent again");
}

#[test]
fn a_missing_column_is_explained_or_read_as_null() {
    let server = TestServer::with_handler(|req: &SqlRequest| {
        if req.stmt.contains(r#""id", "seq""#) {
            Reply::error(4043, "ColumnUnknownException[Column seq unknown]")
        } else {
            Reply::rows(&["id", "seq"], vec![vec![json!("e1"), Value::Null]])
        }
    });
    let mut session = session_on(&server);
    let e = session.query::<Event>().for_each(|_| {}).expect_err("4043");
    assert!(matches!(e, Error::MissingColumn { .. }), "{e:?}");
    let mut session = Session::new(Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}")))
        .read_missing_columns_as_null(true);
    let mut seen = Vec::new();
    session
        .query::<Event>()
        .for_each(|e| seen.push(e))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        seen,
        [Event {
            id: "e1".into(),
            seq: None
        }]
    );
}

// ---- a raw server writing a long chunked answer ----

/// Reads one HTTP request (head and `Content-Length` body) off `stream`.
fn read_request(stream: &mut BufReader<TcpStream>) -> std::io::Result<()> {
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body)
}

fn chunk(out: &mut TcpStream, data: &[u8]) -> std::io::Result<()> {
    write!(out, "{:x}\r\n", data.len())?;
    out.write_all(data)?;
    out.write_all(b"\r\n")
}

/// Serves one connection: each request is answered with items `0..rows`, chunked, 64 KiB a
/// chunk; after `pause_after` rows the server waits for a word on `go` (at most 10 s).
fn serve_items(rows: i64, pause_after: Option<(i64, mpsc::Receiver<()>)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string();
    thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let Ok(read_half) = stream.try_clone() else {
            return;
        };
        let mut reader = BufReader::new(read_half);
        let mut out = stream;
        let mut pause = pause_after;
        while read_request(&mut reader).is_ok() {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                        transfer-encoding: chunked\r\n\r\n";
            if out.write_all(head.as_bytes()).is_err() {
                return;
            }
            let mut buf = String::from(r#"{"cols":["id","label"],"rows":["#);
            for i in 0..rows {
                if i > 0 {
                    buf.push(',');
                }
                buf.push_str(&format!(r#"[{i},"item {i}"]"#));
                let paused_here = pause.as_ref().is_some_and(|(at, _)| *at == i);
                if buf.len() >= 64 * 1024 || paused_here {
                    if chunk(&mut out, buf.as_bytes()).is_err() {
                        return;
                    }
                    buf.clear();
                }
                if paused_here {
                    if let Some((_, go)) = pause.take() {
                        let _ = go.recv_timeout(Duration::from_secs(10));
                    }
                }
            }
            buf.push_str(&format!(r#"],"rowcount":{rows},"duration":1.0}}"#));
            if chunk(&mut out, buf.as_bytes()).is_err() || out.write_all(b"0\r\n\r\n").is_err() {
                return;
            }
        }
    });
    addr
}

#[test]
fn models_arrive_before_the_answer_ends() {
    let (go_tx, go_rx) = mpsc::channel();
    let addr = serve_items(3000, Some((999, go_rx)));
    let mut session =
        Session::new(Client::new(&format!("crate://{addr}")).unwrap_or_else(|e| panic!("{e}")));
    // The server holds the rest back until the closure has seen item 999; a query that
    // waited for the whole answer would stall for 10 s first.
    let go = Mutex::new(Some(go_tx));
    let released_in_time = Arc::new(Mutex::new(None));
    let started = std::time::Instant::now();
    let mut n = 0;
    session
        .query::<Item>()
        .for_each(|item| {
            assert_eq!(item.id, n);
            n += 1;
            if item.id == 999 {
                *released_in_time.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some(started.elapsed() < Duration::from_secs(5));
                if let Some(go) = go.lock().unwrap_or_else(|e| e.into_inner()).take() {
                    let _ = go.send(());
                }
            }
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n, 3000);
    assert_eq!(
        *released_in_time.lock().unwrap_or_else(|e| e.into_inner()),
        Some(true)
    );
}

#[test]
fn streaming_models_keeps_the_heap_flat() {
    const ROWS: i64 = 400_000;
    let addr = serve_items(ROWS, None);
    let mut session =
        Session::new(Client::new(&format!("crate://{addr}")).unwrap_or_else(|e| panic!("{e}")));
    // Warm-up (connection, agent, the model's metadata), then the measured stream.
    let mut n = 0i64;
    session
        .query::<Item>()
        .for_each(|_| n += 1)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n, ROWS);

    let mut sum = 0i64;
    TRACKED.with(|t| t.set(true));
    let base = IN_USE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let result = session.query::<Item>().for_each(|item| sum += item.id);
    let peak = PEAK.load(Ordering::Relaxed) - base;
    TRACKED.with(|t| t.set(false));
    result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sum, ROWS * (ROWS - 1) / 2);
    println!("for_each over {ROWS} models: peak heap {} KiB", peak / 1024);
    // About 8 MB of answer; held: read buffers and one model.
    assert!(peak < 512 * 1024, "peak heap {peak} bytes");
}

// ---- keyset pagination ----

/// A stand-in serving items `0..n` as CrateDB would for the pager's statements: after the
/// bound key (`"id" > $k` or `"id" < $k`), in key order, `LIMIT` rows.
fn keyset_server(n: i64) -> TestServer {
    TestServer::with_handler(move |req: &SqlRequest| {
        let limit: i64 = req
            .stmt
            .rsplit("LIMIT ")
            .next()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(i64::MAX);
        let key = req.args.last().and_then(Value::as_i64);
        let desc = req.stmt.contains(" DESC ");
        let mut ids: Vec<i64> = (0..n).collect();
        if desc {
            ids.reverse();
        }
        let rows = ids
            .into_iter()
            .filter(|&i| match key {
                Some(k) if req.stmt.contains(r#""id" > $"#) => i > k,
                Some(k) if req.stmt.contains(r#""id" < $"#) => i < k,
                _ => true,
            })
            .take(limit as usize)
            .map(item_row)
            .collect();
        Reply::rows(&["id", "label"], rows)
    })
}

#[test]
fn pages_walk_the_table_by_key() {
    let server = keyset_server(2500);
    let mut session = session_on(&server);
    let sizes: Vec<usize> = session
        .query::<Item>()
        .filter(Item::id().ge(0))
        .pages(Item::id(), 1000)
        .map(|page| page.unwrap_or_else(|e| panic!("{e}")).len())
        .collect();
    assert_eq!(sizes, [1000, 1000, 500]);
    let sent: Vec<(String, Vec<Value>)> = server
        .requests()
        .into_iter()
        .map(|r| (r.stmt, r.args))
        .collect();
    assert_eq!(
        sent,
        [
            (
                r#"SELECT "id", "label" FROM "items" WHERE "id" >= $1 ORDER BY "id" LIMIT 1000"#
                    .to_string(),
                vec![json!(0)]
            ),
            (
                r#"SELECT "id", "label" FROM "items" WHERE "id" >= $1 AND "id" > $2 ORDER BY "id" LIMIT 1000"#
                    .to_string(),
                vec![json!(0), json!(999)]
            ),
            (
                r#"SELECT "id", "label" FROM "items" WHERE "id" >= $1 AND "id" > $2 ORDER BY "id" LIMIT 1000"#
                    .to_string(),
                vec![json!(0), json!(1999)]
            ),
        ]
    );
    assert_eq!(
        session.iter::<Item>().count(),
        0,
        "owned pages are not tracked"
    );
}

#[test]
fn a_full_last_page_costs_one_empty_query() {
    let server = keyset_server(2000);
    let mut session = session_on(&server);
    let mut pager = Select::<Item>::new().keyset(Item::id(), 1000);
    let mut ids = Vec::new();
    while let Some(page) = pager
        .next_page(&mut session)
        .unwrap_or_else(|e| panic!("{e}"))
    {
        ids.extend(page.into_iter().map(|i| i.id));
    }
    assert_eq!(ids, (0..2000).collect::<Vec<_>>());
    assert_eq!(server.request_count(), 3);
    assert!(pager.is_done());
    assert_eq!(pager.last_key(), Some(&json!(1999)));
    assert!(pager
        .next_page(&mut session)
        .unwrap_or_else(|e| panic!("{e}"))
        .is_none());
    assert_eq!(server.request_count(), 3, "nothing sent once done");
}

#[test]
fn descending_and_resumed_pages() {
    let server = keyset_server(10);
    let mut session = session_on(&server);
    let mut pager = Select::<Item>::new()
        .keyset(Item::id(), 4)
        .descending()
        .after(&8);
    assert_eq!(
        pager.page_sql().unwrap_or_else(|e| panic!("{e}")),
        (
            r#"SELECT "id", "label" FROM "items" WHERE "id" < $1 ORDER BY "id" DESC LIMIT 4"#
                .to_string(),
            vec![json!(8)]
        )
    );
    let mut ids = Vec::new();
    while let Some(page) = pager
        .next_page(&mut session)
        .unwrap_or_else(|e| panic!("{e}"))
    {
        ids.push(page.into_iter().map(|i| i.id).collect::<Vec<_>>());
    }
    assert_eq!(ids, [vec![7, 6, 5, 4], vec![3, 2, 1, 0]]);
}

#[test]
fn tracked_pages_give_handles() {
    let server = keyset_server(5);
    let mut session = session_on(&server);
    let mut pager = Select::<Item>::new().keyset(Item::id(), 2);
    let mut labels = Vec::new();
    while let Some(page) = pager
        .next_tracked(&mut session)
        .unwrap_or_else(|e| panic!("{e}"))
    {
        for h in page {
            labels.push(session[h].label.clone());
            // The pager goes on from the key the row had in the answer, whatever the
            // session makes of the model meanwhile (from 101, nothing would follow).
            session[h].id += 100;
        }
    }
    assert_eq!(labels, ["item 0", "item 1", "item 2", "item 3", "item 4"]);
    assert_eq!(session.iter::<Item>().count(), 5);
    assert_eq!(server.request_count(), 3);
}

#[test]
fn a_nullable_key_skips_null_rows_and_queries_that_set_their_own_order_are_refused() {
    let pager = Select::<Event>::new()
        .keyset(Event::seq(), 100)
        .after(&Some(7));
    assert_eq!(
        pager.page_sql().unwrap_or_else(|e| panic!("{e}")),
        (
            r#"SELECT "id", "seq" FROM "events" WHERE "seq" IS NOT NULL AND "seq" > $1 ORDER BY "seq" LIMIT 100"#
                .to_string(),
            vec![json!(7)]
        )
    );
    for pager in [
        Select::<Item>::new()
            .order_by(Item::label())
            .keyset(Item::id(), 10),
        Select::<Item>::new().limit(5).keyset(Item::id(), 10),
        Select::<Item>::new().offset(5).keyset(Item::id(), 10),
        Select::<Item>::new().keyset(Item::id(), 0),
    ] {
        let e = pager.page_sql().expect_err("refused");
        assert!(matches!(e, Error::InvalidQuery { .. }), "{e:?}");
    }
    // Nothing is sent for a refused pager.
    let server = keyset_server(3);
    let mut session = session_on(&server);
    let mut pages = session
        .query::<Item>()
        .order_by(Item::label())
        .pages(Item::id(), 10);
    assert!(matches!(
        pages.next(),
        Some(Err(Error::InvalidQuery { .. }))
    ));
    assert!(pages.next().is_none());
    assert_eq!(server.request_count(), 0);
}
