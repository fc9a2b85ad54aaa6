//! The `tracing` feature: one span per request with the statement, server, row count and
//! duration, arguments only at TRACE, never credentials. Captured by a small layer on
//! `tracing-subscriber`'s registry, against the loopback server and (when `CRATEDB_URL` is
//! set) the real one.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use cratedb_client::testing::{Reply, SqlRequest, TestServer};
use cratedb_client::Client;
use serde_json::{json, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// Field values as text.
type Fields = BTreeMap<String, String>;

#[derive(Debug, Clone)]
struct CapturedSpan {
    name: String,
    target: String,
    level: Level,
    fields: Fields,
}

#[derive(Debug, Clone)]
struct CapturedEvent {
    level: Level,
    target: String,
    /// The name of the span the event is in.
    span: Option<String>,
    fields: Fields,
}

#[derive(Default)]
struct Captured {
    spans: Vec<CapturedSpan>,
    events: Vec<CapturedEvent>,
}

impl Captured {
    /// Everything captured, as one text (to check what never appears).
    fn all_text(&self) -> String {
        format!("{:?} {:?}", self.spans, self.events)
    }
}

struct Collect(Fields);

impl Visit for Collect {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

/// Records every span (with its fields as last recorded) and event up to `max` level.
struct CaptureLayer {
    max: Level,
    out: Arc<Mutex<Captured>>,
    /// Index into `spans` per span id.
    ids: Mutex<BTreeMap<u64, usize>>,
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for CaptureLayer {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        *metadata.level() <= self.max
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut fields = Collect(Fields::new());
        attrs.record(&mut fields);
        let mut out = self.out.lock().unwrap();
        out.spans.push(CapturedSpan {
            name: attrs.metadata().name().to_string(),
            target: attrs.metadata().target().to_string(),
            level: *attrs.metadata().level(),
            fields: fields.0,
        });
        let index = out.spans.len() - 1;
        self.ids.lock().unwrap().insert(id.into_u64(), index);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let Some(&index) = self.ids.lock().unwrap().get(&id.into_u64()) else {
            return;
        };
        let mut fields = Collect(Fields::new());
        values.record(&mut fields);
        self.out.lock().unwrap().spans[index]
            .fields
            .extend(fields.0);
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Collect(Fields::new());
        event.record(&mut fields);
        let span = ctx.event_span(event).map(|s| s.name().to_string());
        self.out.lock().unwrap().events.push(CapturedEvent {
            level: *event.metadata().level(),
            target: event.metadata().target().to_string(),
            span,
            fields: fields.0,
        });
    }
}

/// Runs `f` with a capturing subscriber (up to `max` level) on this thread.
fn capture<R>(max: Level, f: impl FnOnce() -> R) -> (R, Captured) {
    let out = Arc::new(Mutex::new(Captured::default()));
    let layer = CaptureLayer {
        max,
        out: out.clone(),
        ids: Mutex::new(BTreeMap::new()),
    };
    let subscriber = tracing_subscriber::registry().with(layer);
    let result = tracing::subscriber::with_default(subscriber, f);
    let captured = std::mem::take(&mut *out.lock().unwrap());
    (result, captured)
}

const PASSWORD: &str = "s3cr3t-pa55word";

fn server() -> TestServer {
    TestServer::with_handler(|req: &SqlRequest| {
        if req.stmt.starts_with("SELECT") {
            Reply::rows(&["name"], vec![vec![json!("Arthur")], vec![json!("Ford")]])
        } else if req.stmt.starts_with("INSERT") && req.bulk_args.is_none() {
            Reply::error(
                4091,
                "DuplicateKeyException[A document with the same primary key exists already]",
            )
        } else {
            Reply::bulk(vec![1, 1, -2])
        }
    })
}

#[test]
fn one_span_per_request_with_server_statement_rowcount_and_duration() {
    let server = server();
    let client = Client::new(&format!("crate://crate:{PASSWORD}@{}", server.addr()))
        .unwrap_or_else(|e| panic!("{e}"));
    let (result, captured) = capture(Level::DEBUG, || {
        client.sql("SELECT name FROM t WHERE species = $1", &["Betelgeusian"])
    });
    assert_eq!(result.map(|r| r.rows.len()).ok(), Some(2));

    assert_eq!(captured.spans.len(), 1, "{:?}", captured.spans);
    let span = &captured.spans[0];
    assert_eq!(span.name, "sql");
    assert_eq!(span.target, "cratedb_client");
    assert_eq!(span.level, Level::DEBUG);
    assert_eq!(
        span.fields["statement"],
        "SELECT name FROM t WHERE species = $1"
    );
    assert_eq!(span.fields["server"], server.addr());
    assert_eq!(span.fields["rowcount"], "2");
    assert_eq!(span.fields["ok"], "true");
    let ms: f64 = span.fields["duration_ms"].parse().unwrap_or(-1.0);
    assert!(ms >= 0.0, "{:?}", span.fields);

    // One closing event inside the span, for plain log formatters.
    assert_eq!(captured.events.len(), 1, "{:?}", captured.events);
    let event = &captured.events[0];
    assert_eq!(event.level, Level::DEBUG);
    assert_eq!(event.target, "cratedb_client");
    assert_eq!(event.span.as_deref(), Some("sql"));
    assert_eq!(event.fields["message"], "statement finished");
    assert_eq!(event.fields["rowcount"], "2");
    assert_eq!(event.fields["server"], server.addr());

    // Below TRACE: no arguments, and never the password.
    let text = captured.all_text();
    assert!(!text.contains("Betelgeusian"), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");
}

#[test]
fn arguments_only_at_trace_and_never_credentials() {
    let server = server();
    let client = Client::builder()
        .url(&format!("crate://{}", server.addr()))
        .basic_auth("crate", PASSWORD)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let (result, captured) = capture(Level::TRACE, || {
        // The password as an argument and in the text: both redacted.
        client.sql(
            &format!("SELECT name FROM t WHERE note = '{PASSWORD}' AND x = $1 AND y = $2"),
            &json!(["Betelgeusian", PASSWORD]),
        )
    });
    assert!(result.is_ok(), "{result:?}");
    let args: Vec<&CapturedEvent> = captured
        .events
        .iter()
        .filter(|e| e.fields.get("message").map(String::as_str) == Some("arguments"))
        .collect();
    assert_eq!(args.len(), 1, "{:?}", captured.events);
    assert_eq!(args[0].level, Level::TRACE);
    assert_eq!(args[0].span.as_deref(), Some("sql"));
    assert_eq!(args[0].fields["args"], r#"["Betelgeusian","<redacted>"]"#);
    assert_eq!(
        captured.spans[0].fields["statement"],
        "SELECT name FROM t WHERE note = '<redacted>' AND x = $1 AND y = $2"
    );
    let text = captured.all_text();
    assert!(!text.contains(PASSWORD), "{text}");
    // Nor the Authorization header's encoded form.
    assert!(!text.contains("Basic "), "{text}");
    // CrateDB still got the real arguments.
    assert_eq!(
        server.requests()[0].args,
        vec![json!("Betelgeusian"), json!(PASSWORD)]
    );
}

#[test]
fn failures_and_bulk_requests() {
    let server = server();
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let ((dup, bulk), captured) = capture(Level::DEBUG, || {
        (
            client.sql("INSERT INTO t (id) VALUES ($1)", &[1]),
            client.bulk(
                "INSERT INTO t (id) VALUES ($1)",
                &vec![vec![json!(1)], vec![json!(2)], vec![json!(3)]],
            ),
        )
    });
    assert!(dup.is_err_and(|e| e.is_duplicate_key()));
    assert!(bulk.is_ok());
    assert_eq!(captured.spans.len(), 2);
    let failed = &captured.spans[0].fields;
    assert_eq!(failed["ok"], "false");
    assert!(failed["error"].contains("4091"), "{failed:?}");
    assert!(!failed.contains_key("rowcount"), "{failed:?}");
    assert_eq!(captured.events[0].fields["message"], "statement failed");
    let bulk = &captured.spans[1].fields;
    assert_eq!(bulk["bulk_rows"], "3");
    // Two of the three rows succeeded, one row each.
    assert_eq!(bulk["rowcount"], "2");
    assert_eq!(bulk["ok"], "true");
}

#[test]
fn nothing_without_a_subscriber_that_wants_debug() {
    let server = server();
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let (result, captured) = capture(Level::INFO, || client.execute("SELECT 1"));
    assert!(result.is_ok());
    assert!(captured.spans.is_empty() && captured.events.is_empty());
}

#[test]
fn live_statements_are_traced_against_cratedb() {
    let Ok(url) = std::env::var("CRATEDB_URL") else {
        eprintln!("live test tracing skipped: CRATEDB_URL is not set");
        return;
    };
    let client = Client::new(&url).unwrap_or_else(|e| panic!("{e}"));
    let stmt = "SELECT name FROM sys.cluster WHERE name = $1 OR $1 IS NULL";
    let (result, captured) = capture(Level::TRACE, || {
        let ok = client.sql(stmt, &[Value::Null]);
        let failed = client.execute("SELECT * FROM no_such_table_for_tracing");
        (ok, failed)
    });
    let (ok, failed) = result;
    assert_eq!(ok.map(|r| r.rowcount).ok(), Some(1));
    let code = failed.err().and_then(|e| e.sql_error().map(|s| s.code));
    assert_eq!(code, Some(4041));

    assert_eq!(captured.spans.len(), 2, "{:?}", captured.spans);
    let span = &captured.spans[0].fields;
    assert_eq!(span["statement"], stmt);
    assert_eq!(span["rowcount"], "1");
    assert_eq!(span["ok"], "true");
    assert!(client.servers().contains(&span["server"]), "{span:?}");
    assert!(span["duration_ms"].parse::<f64>().is_ok_and(|ms| ms > 0.0));
    let args = captured
        .events
        .iter()
        .find(|e| e.fields.get("message").map(String::as_str) == Some("arguments"));
    assert_eq!(args.map(|e| e.fields["args"].as_str()), Some("[null]"));
    let failed = &captured.spans[1].fields;
    assert_eq!(failed["ok"], "false");
    assert!(failed["error"].contains("4041"), "{failed:?}");
    eprintln!(
        "live tracing: {} took {} ms on {}",
        span["statement"], span["duration_ms"], span["server"]
    );
}
