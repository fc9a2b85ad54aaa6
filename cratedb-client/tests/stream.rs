//! `Client::stream_with`: rows reach the sink while the answer is still arriving, with the
//! client's heap flat however long the answer; failover only before the answer starts; a
//! failure mid-stream reported with the rows already passed on, never retried; no body limit.
//!
//! Servers: the loopback stand-in (`cratedb_client::testing`) for ordinary answers, and a raw
//! `TcpListener` that writes a chunked answer piece by piece, as slowly as the test says.
//! Figures are printed (`cargo test --test stream -- --nocapture`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use cratedb_client::testing::{Reply, TestServer};
use cratedb_client::{Client, Error, RowSink};
use serde::de::SeqAccess;
use serde_json::{json, Value};

const NO_ARGS: &[Value] = &[];

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

fn grow(bytes: usize) {
    let now = IN_USE.fetch_add(bytes as isize, Ordering::Relaxed) + bytes as isize;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrink(bytes: usize) {
    IN_USE.fetch_sub(bytes as isize, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; only counters are updated.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && tracked() {
            grow(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) };
        if tracked() {
            shrink(layout.size());
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's pointer, layout and size.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && tracked() {
            grow(new_size);
            shrink(layout.size());
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ---- a raw server writing a chunked answer ----

/// Reads one HTTP request (head and `Content-Length` body) off `stream`.
fn read_request(stream: &mut BufReader<TcpStream>) -> std::io::Result<Vec<u8>> {
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
    stream.read_exact(&mut body)?;
    Ok(body)
}

/// A writer of one chunked 200 answer.
struct Chunked(TcpStream);

impl Chunked {
    fn start(mut stream: TcpStream) -> std::io::Result<Chunked> {
        stream.write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=UTF-8\r\n\
              transfer-encoding: chunked\r\n\r\n",
        )?;
        Ok(Chunked(stream))
    }

    fn chunk(&mut self, data: &[u8]) -> std::io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        write!(self.0, "{:x}\r\n", data.len())?;
        self.0.write_all(data)?;
        self.0.write_all(b"\r\n")?;
        self.0.flush()
    }

    fn end(mut self) -> std::io::Result<()> {
        self.0.write_all(b"0\r\n\r\n")?;
        self.0.flush()
    }
}

/// A loopback server answering each request on its own thread with `answer` (given the
/// stream, to write whatever it likes); counts the requests.
struct RawServer {
    addr: String,
    requests: Arc<AtomicUsize>,
}

impl RawServer {
    fn start(answer: impl Fn(TcpStream) + Send + Sync + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("{e}"))
            .to_string();
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        let answer = Arc::new(answer);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let counter = Arc::clone(&counter);
                let answer = Arc::clone(&answer);
                thread::spawn(move || {
                    let Ok(read_half) = stream.try_clone() else {
                        return;
                    };
                    let mut reader = BufReader::new(read_half);
                    while read_request(&mut reader).is_ok() {
                        counter.fetch_add(1, Ordering::SeqCst);
                        match stream.try_clone() {
                            Ok(s) => answer(s),
                            Err(_) => return,
                        }
                    }
                });
            }
        });
        RawServer { addr, requests }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn client_of(servers: &[&str]) -> Client {
    Client::builder()
        .servers(servers.iter().map(|s| s.to_string()))
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Row `i` of the test answers: `[i, "…"]`, about 60 bytes.
fn row(i: u64) -> String {
    format!(r#"[{i},"row number {i:010} of a long streamed answer"]"#)
}

/// Rows `from..to`, each preceded by a comma unless it is row 0.
fn rows(from: u64, to: u64) -> String {
    let mut out = String::new();
    for i in from..to {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&row(i));
    }
    out
}

const HEAD: &str = r#"{"cols":["id","label"],"rows":["#;

fn tail(rows: u64) -> String {
    format!(r#"],"rowcount":{rows},"duration":12.5}}"#)
}

/// Checks the rows come in order, with their labels; reports each row to `seen`.
struct InOrder {
    next: u64,
    label_bytes: usize,
    seen: Option<mpsc::Sender<u64>>,
    /// Stop (by failing the row) at this row.
    stop_at: Option<u64>,
}

impl InOrder {
    fn new() -> InOrder {
        InOrder {
            next: 0,
            label_bytes: 0,
            seen: None,
            stop_at: None,
        }
    }
}

impl RowSink for InOrder {
    fn columns(&mut self, cols: &[String]) {
        assert_eq!(cols, ["id", "label"]);
    }

    fn row<'de, A: SeqAccess<'de>>(&mut self, mut row: A) -> Result<(), A::Error> {
        let id = row.next_element::<u64>()?.unwrap_or(u64::MAX);
        assert_eq!(id, self.next, "rows out of order");
        if self.stop_at == Some(id) {
            return Err(serde::de::Error::custom("enough"));
        }
        let label = row.next_element::<String>()?.unwrap_or_default();
        self.label_bytes += label.len();
        self.next += 1;
        if let Some(seen) = &self.seen {
            let _ = seen.send(id);
        }
        Ok(())
    }
}

#[test]
fn rows_arrive_before_the_answer_ends() {
    // The server sends the head and 1,000 rows, then waits until the test says the sink has
    // seen row 999 before it sends the rest: a client that waited for the whole body would
    // never see it (the server gives up after 10 s and the test fails).
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let go_rx = Mutex::new(go_rx);
    let waited = Arc::new(Mutex::new(None::<bool>));
    let waited_in = Arc::clone(&waited);
    let server = RawServer::start(move |stream| {
        let Ok(mut out) = Chunked::start(stream) else {
            return;
        };
        let _ = out.chunk(HEAD.as_bytes());
        let _ = out.chunk(rows(0, 1000).as_bytes());
        let released = go_rx
            .lock()
            .map(|rx| rx.recv_timeout(Duration::from_secs(10)).is_ok())
            .unwrap_or(false);
        *waited_in.lock().unwrap_or_else(|e| e.into_inner()) = Some(released);
        let _ = out.chunk(rows(1000, 2000).as_bytes());
        let _ = out.chunk(tail(2000).as_bytes());
        let _ = out.end();
    });
    let client = client_of(&[&server.addr]);
    let (seen_tx, seen_rx) = mpsc::channel();
    let watcher = thread::spawn(move || {
        // Release the rest once row 999 has reached the sink.
        while let Ok(id) = seen_rx.recv() {
            if id == 999 {
                let _ = go_tx.send(());
                break;
            }
        }
        // Keep the receiver alive until the stream ends.
        while seen_rx.recv().is_ok() {}
    });
    let mut sink = InOrder::new();
    sink.seen = Some(seen_tx);
    let info = client
        .stream_with("SELECT id, label FROM t", NO_ARGS, &mut sink)
        .unwrap_or_else(|e| panic!("{e}"));
    drop(sink.seen.take());
    let _ = watcher.join();
    assert_eq!(
        *waited.lock().unwrap_or_else(|e| e.into_inner()),
        Some(true),
        "the server had to wait for the sink to see row 999"
    );
    assert_eq!((info.rows, info.rowcount, sink.next), (2000, 2000, 2000));
    assert_eq!(info.duration, 12.5);
}

#[test]
fn heap_stays_flat_however_long_the_answer() {
    // 800,000 rows (about 50 MB) written by the server thread in 64 KiB chunks; only the
    // allocations of this thread (the client and the sink) are counted.
    const ROWS: u64 = 800_000;
    let server = RawServer::start(|stream| {
        let Ok(mut out) = Chunked::start(stream) else {
            return;
        };
        let _ = out.chunk(HEAD.as_bytes());
        let mut buf = String::new();
        for i in 0..ROWS {
            if i > 0 {
                buf.push(',');
            }
            buf.push_str(&row(i));
            if buf.len() >= 64 * 1024 {
                if out.chunk(buf.as_bytes()).is_err() {
                    return;
                }
                buf.clear();
            }
        }
        let _ = out.chunk(buf.as_bytes());
        let _ = out.chunk(tail(ROWS).as_bytes());
        let _ = out.end();
    });
    // A body limit far below the answer's size: it does not apply to a stream.
    let client = Client::builder()
        .servers([server.addr.clone()])
        .body_limit(1024 * 1024)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    // Warm up (connection pool, agent): only the measured stream counts.
    if let Err(e) = client.stream_with("SELECT 1", NO_ARGS, &mut InOrder::new()) {
        panic!("warm-up: {e}");
    }

    let mut sink = InOrder::new();
    TRACKED.with(|t| t.set(true));
    let base = IN_USE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let started = Instant::now();
    let info = client.stream_with("SELECT id, label FROM t", NO_ARGS, &mut sink);
    let elapsed = started.elapsed();
    let peak = PEAK.load(Ordering::Relaxed) - base;
    TRACKED.with(|t| t.set(false));
    let info = info.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((info.rows as u64, sink.next), (ROWS, ROWS));
    let body_bytes = HEAD.len() + rows(0, ROWS).len() + tail(ROWS).len();
    println!(
        "stream_with of {ROWS} rows ({:.1} MB): peak heap {} KiB on the client's thread, {:.0} ms",
        body_bytes as f64 / 1e6,
        peak / 1024,
        elapsed.as_secs_f64() * 1000.0
    );
    assert!(body_bytes > 40_000_000, "{body_bytes}");
    // The read buffer (64 KiB), ureq's buffers, one row: far below the body.
    assert!(peak < 512 * 1024, "peak heap {peak} bytes");
}

#[test]
fn failover_before_the_answer_starts() {
    let down = TestServer::with_handler(|_| Reply::status(503));
    let up = TestServer::with_handler(|_| {
        Reply::rows(&["id", "label"], vec![vec![json!(0), json!("a")]])
    });
    let client = client_of(&[&down.addr(), &up.addr()]);
    let mut sink = InOrder::new();
    let info = client
        .stream_with("SELECT id, label FROM t", NO_ARGS, &mut sink)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((info.rows, sink.next), (1, 1));
    assert_eq!((down.request_count(), up.request_count()), (1, 1));
    assert_eq!(client.inactive_servers(), vec![down.addr()]);
}

#[test]
fn a_cut_mid_stream_is_reported_and_not_retried() {
    let cutting = RawServer::start(|stream| {
        let Ok(mut out) = Chunked::start(stream) else {
            return;
        };
        let _ = out.chunk(HEAD.as_bytes());
        let _ = out.chunk(rows(0, 500).as_bytes());
        let _ = out.chunk(b",[500,\"half a r");
        // Closed without the last chunk: the answer ends mid-body.
        let _ = out.0.shutdown(Shutdown::Both);
    });
    let spare = TestServer::start();
    let client = client_of(&[&cutting.addr, &spare.addr()]);
    let mut sink = InOrder::new();
    let result = client.stream_with("SELECT id, label FROM t", NO_ARGS, &mut sink);
    match result {
        Err(Error::Protocol { server, message }) => {
            assert_eq!(server, cutting.addr);
            assert!(
                message.starts_with("the answer broke off after"),
                "{message}"
            );
            assert!(
                message.contains("500 rows had been passed on already"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sink.next, 500);
    assert_eq!((cutting.requests(), spare.request_count()), (1, 0));
}

#[test]
fn malformed_mid_stream_is_a_protocol_error() {
    let server = RawServer::start(|stream| {
        let Ok(mut out) = Chunked::start(stream) else {
            return;
        };
        let _ = out.chunk(HEAD.as_bytes());
        let _ = out.chunk(rows(0, 3).as_bytes());
        let _ = out.chunk(b",<oops>]}");
        let _ = out.end();
    });
    let client = client_of(&[&server.addr]);
    let mut sink = InOrder::new();
    match client.stream_with("SELECT id, label FROM t", NO_ARGS, &mut sink) {
        Err(Error::Protocol { message, .. }) => {
            assert!(message.starts_with("response is not JSON"), "{message}");
            assert!(message.contains("3 rows had been passed on"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sink.next, 3);
}

#[test]
fn a_stop_from_the_sink_ends_the_request_and_its_connection() {
    let server = TestServer::builder()
        .handler(|_| {
            let rows = (0..100)
                .map(|i| vec![json!(i), json!(format!("r{i}"))])
                .collect();
            Reply::rows(&["id", "label"], rows)
        })
        .start();
    let client = client_of(&[&server.addr()]);
    let mut sink = InOrder::new();
    sink.stop_at = Some(10);
    match client.stream_with("SELECT id, label FROM t", NO_ARGS, &mut sink) {
        Err(Error::Decode { row, message, .. }) => {
            assert_eq!(row, 10);
            assert!(message.contains("enough"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sink.next, 10);
    // A whole stream gives its connection back; the stopped one was not reused.
    let mut sink = InOrder::new();
    let info = client
        .stream_with("SELECT id, label FROM t", NO_ARGS, &mut sink)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(info.rows, 100);
    client
        .stream_with("SELECT id, label FROM t", NO_ARGS, &mut InOrder::new())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(server.connections_accepted(), 2);
    assert_eq!(server.request_count(), 3);
}

#[test]
fn sql_errors_gzip_and_echo_as_for_any_query() {
    let server = TestServer::builder()
        .gzip(true)
        .handler(|r| {
            if r.stmt.contains("missing") {
                Reply::error(4041, "RelationUnknown[Relation 'missing' unknown]")
            } else {
                let rows = (0..5000)
                    .map(|i| vec![json!(i), json!(format!("label {i}"))])
                    .collect();
                Reply::rows(&["id", "label"], rows)
            }
        })
        .start();
    let echoed = Arc::new(Mutex::new(Vec::new()));
    let echo = Arc::clone(&echoed);
    let client = Client::builder()
        .servers([server.addr()])
        .echo(move |e| {
            echo.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((e.statement.to_string(), e.ok))
        })
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut sink = InOrder::new();
    let info = client
        .stream_with("SELECT id, label FROM t", NO_ARGS, &mut sink)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((info.rows, sink.next), (5000, 5000));
    assert_eq!(server.gzipped_responses(), 1);

    let mut sink = InOrder::new();
    let e = client.stream_with("SELECT id, label FROM missing", NO_ARGS, &mut sink);
    assert_eq!(
        e.err().and_then(|e| e.sql_error().map(|s| s.code)),
        Some(4041)
    );
    assert_eq!(sink.next, 0);
    assert_eq!(
        *echoed.lock().unwrap_or_else(|e| e.into_inner()),
        vec![
            ("SELECT id, label FROM t".to_string(), true),
            ("SELECT id, label FROM missing".to_string(), false)
        ]
    );
}
