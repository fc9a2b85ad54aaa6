//! Peak heap of decoding a large answer through `query_with`: the body's memory is given back
//! as the rows are parsed, so the peak stays near the body size (not body + what the sink
//! builds, nor a doubled receive buffer).
//!
//! Figures are printed (`cargo test --test row_memory -- --nocapture`).
//!
//! A counting global allocator tracks the bytes in use, and their peak, for allocations made
//! on the test's own thread: the loopback test server runs on other threads and holds its own
//! copy of the body, which must not be counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use cratedb_client::testing::{Reply, TestServer};
use cratedb_client::{Client, RowSink};
use serde::de::SeqAccess;
use serde_json::Value;

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
            // Counted as a move: old and new block both in use for a moment.
            grow(new_size);
            shrink(layout.size());
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Counts the rows and checks they arrive in order; keeps almost nothing.
#[derive(Default)]
struct Checker {
    rows: u64,
    name_bytes: usize,
}

impl RowSink for Checker {
    fn columns(&mut self, _cols: &[String]) {}

    fn row<'de, A: SeqAccess<'de>>(&mut self, mut row: A) -> Result<(), A::Error> {
        let id = row.next_element::<u64>()?.unwrap_or(u64::MAX);
        assert_eq!(id, self.rows, "rows out of order");
        let name = row.next_element::<String>()?.unwrap_or_default();
        self.name_bytes += name.len();
        self.rows += 1;
        Ok(())
    }
}

/// A `{"cols", "rows", "rowcount"}` body of `rows` rows (about 64 bytes each).
fn body_of(rows: u64) -> Vec<u8> {
    let mut body = String::from(r#"{"cols":["id","name","score","ok"],"rows":["#);
    for i in 0..rows {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            r#"[{i},"character number {i:010} of the guide",{}.5,true]"#,
            i % 1000
        ));
    }
    body.push_str(&format!(r#"],"rowcount":{rows},"duration":1.5}}"#));
    body.into_bytes()
}

#[test]
fn query_with_peak_heap_stays_near_the_body_size() {
    const ROWS: u64 = 340_000;
    let body = Arc::new(body_of(ROWS));
    let body_len = body.len();
    let served = Arc::clone(&body);
    let server = TestServer::builder()
        .gzip(false)
        .handler(move |_| Reply::raw(200, served.as_ref().clone()))
        .start();
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let no_args: &[Value] = &[];
    // Warm up the connection pool, so that only the query itself is measured.
    if let Err(e) = client.execute("SELECT 1") {
        panic!("warm-up failed: {e}");
    }

    let mut sink = Checker::default();
    TRACKED.with(|t| t.set(true));
    let base = IN_USE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let started = Instant::now();
    let info = client.query_with("SELECT * FROM characters", no_args, &mut sink);
    let elapsed = started.elapsed();
    let peak = PEAK.load(Ordering::Relaxed) - base;
    let after = IN_USE.load(Ordering::Relaxed) - base;
    TRACKED.with(|t| t.set(false));

    let info = info.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(info.rows as u64, ROWS);
    assert_eq!(info.rowcount, ROWS as i64);
    assert_eq!(sink.rows, ROWS);
    let mib = |b: isize| b as f64 / (1024.0 * 1024.0);
    println!(
        "query_with of a {:.1} MiB body ({ROWS} rows): peak heap {:.1} MiB ({:.2} x body), \
         {:.1} MiB still in use after, {:.0} ms",
        mib(body_len as isize),
        mib(peak),
        peak as f64 / body_len as f64,
        mib(after),
        elapsed.as_secs_f64() * 1000.0
    );
    assert!(
        (peak as f64) < 1.3 * body_len as f64,
        "peak heap {peak} bytes for a {body_len}-byte body"
    );
}
