//! Requests in flight (`Session::with_requests_in_flight`): chunks of the same write go side
//! by side, writes of another kind wait for them, every answer is settled as one at a time,
//! and a failure keeps each row landed or pending with its cause.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cratedb_client::testing::{Reply, SqlRequest, TestServer};
use cratedb_orm::session::RowFailureCause;
use cratedb_orm::{Client, CrateModel, Error, Session};

/// A model without server-made values: plain bulk writes.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "plain")]
struct Plain {
    #[cratedb(primary_key)]
    id: String,
    body: String,
}

/// A server that answers every request after `delay`, counting how many it serves at once
/// and noting the order in which statements start and end.
struct Watched {
    server: TestServer,
    most: Arc<AtomicUsize>,
    events: Arc<Mutex<Vec<String>>>,
}

fn watched(
    delay: Duration,
    fail: impl Fn(&SqlRequest) -> Option<Reply> + Send + Sync + 'static,
) -> Watched {
    let now = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let events = Arc::new(Mutex::new(Vec::new()));
    let (n, m, e) = (Arc::clone(&now), Arc::clone(&most), Arc::clone(&events));
    let server = TestServer::with_handler(move |req: &SqlRequest| {
        let verb = req.stmt.split(' ').next().unwrap_or_default().to_owned();
        let at_once = n.fetch_add(1, Ordering::SeqCst) + 1;
        m.fetch_max(at_once, Ordering::SeqCst);
        e.lock().unwrap().push(format!("start {verb}"));
        std::thread::sleep(delay);
        e.lock().unwrap().push(format!("end {verb}"));
        n.fetch_sub(1, Ordering::SeqCst);
        fail(req).unwrap_or_else(|| Reply::default_for(req))
    });
    Watched {
        server,
        most,
        events,
    }
}

#[test]
fn chunks_of_one_write_go_side_by_side_and_other_writes_wait() {
    let w = watched(Duration::from_millis(80), |_| None);
    let client = Client::new(&w.server.url()).unwrap();
    let mut session = Session::new(client)
        .with_batch_size(10)
        .with_requests_in_flight(3);
    // 60 rows in 6 chunks of one bulk INSERT.
    let rows = session.add_all((0..60).map(|n| Plain {
        id: format!("r{n}"),
        body: "b".into(),
    }));
    session.commit().unwrap();
    assert!(rows.iter().all(|&h| session.is_persistent(h)));
    assert_eq!(w.server.request_count(), 6);
    assert_eq!(
        w.most.load(Ordering::SeqCst),
        3,
        "three at once, never more"
    );

    // 30 updates in 3 chunks, then a delete: the delete waits for every update.
    w.events.lock().unwrap().clear();
    for &h in &rows[..30] {
        session[h].body = "changed".into();
    }
    session.delete(rows[59]);
    session.commit().unwrap();
    let events = w.events.lock().unwrap().clone();
    assert_eq!(events.iter().filter(|e| *e == "start UPDATE").count(), 3);
    let first_delete = events.iter().position(|e| e == "start DELETE").unwrap();
    let last_update_end = events.iter().rposition(|e| e == "end UPDATE").unwrap();
    assert!(last_update_end < first_delete, "{events:?}");
    assert!(!session.is_pending(rows[59]) && !session.is_pending(rows[0]));
}

#[test]
fn a_failure_in_flight_keeps_every_row_landed_or_pending() {
    // The third chunk's connection breaks: the commit stops sending, the chunks in flight are
    // settled as answered, the rest stay pending as not attempted.
    let seen = Arc::new(AtomicUsize::new(0));
    let s = Arc::clone(&seen);
    let w = watched(Duration::from_millis(40), move |_| {
        (s.fetch_add(1, Ordering::SeqCst) == 2).then(Reply::close)
    });
    let client = Client::new(&w.server.url()).unwrap();
    let mut session = Session::new(client)
        .with_batch_size(10)
        .with_requests_in_flight(2);
    let handles = session.add_all((0..100).map(|n| Plain {
        id: format!("r{n}"),
        body: "b".into(),
    }));
    let err = match session.commit() {
        Err(Error::Commit(e)) => e,
        other => panic!("expected a failed commit, got {other:?}"),
    };
    let landed = handles
        .iter()
        .filter(|&&h| session.is_persistent(h))
        .count();
    let pending = handles.iter().filter(|&&h| session.is_pending(h)).count();
    assert_eq!(landed + pending, 100, "every row landed or pending");
    assert_eq!(err.written, landed);
    assert_eq!(err.failures.len(), pending);
    assert!(err.failures.iter().all(|f| matches!(
        f.cause,
        RowFailureCause::RequestFailed | RowFailureCause::NotAttempted
    )));
    assert!(w.server.request_count() < 10, "the commit stopped sending");
    // The next commit sends exactly the rest.
    session.commit().unwrap();
    assert!(handles.iter().all(|&h| session.is_persistent(h)));
}
