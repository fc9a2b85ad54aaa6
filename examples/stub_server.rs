//! A minimal CrateDB stand-in for the benchmarks: answers every `POST /_sql` at once,
//! looking at no more of the request than it must — a bulk request gets one
//! `{"rowcount":1}` per argument row, a `SELECT` a prepared body, anything else an empty
//! result; a gzip-encoded request body is decoded first, as CrateDB does — so a benchmark
//! measures the client side alone. `GET /` answers node information.
//! Used by `examples/bench.rs` and `examples/bulk_load.rs` (in a child process, so that its
//! memory and CPU are not counted as the client's) and by the criterion benchmarks
//! (`cratedb-orm/benches/orm.rs`, in a thread).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use serde_json::{json, Value};

/// The answer body of a `SELECT`: these columns and rows.
pub fn select_body(cols: &[&str], rows: Vec<Vec<Value>>) -> serde_json::Result<Vec<u8>> {
    let count = rows.len();
    serde_json::to_vec(&json!({"cols": cols, "rows": rows, "rowcount": count, "duration": 1.0}))
}

/// Starts the stub on a loopback port in a thread of its own; returns the port.
#[allow(dead_code)] // the benchmark program runs the stub in a child process instead
pub fn start(select_body: Vec<u8>) -> std::io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    std::thread::spawn(move || serve_forever(listener, select_body));
    Ok(port)
}

/// Starts this program again as the stub's child process, with `args` (which make that
/// process call [`serve_as_child`]); returns the child and the port it answers on. The child
/// holds the read end of a pipe whose write end is the returned `Child`'s stdin: when this
/// process ends in any way, the child sees the pipe close and exits too.
#[allow(dead_code)] // the criterion benchmarks run the stub in a thread
pub fn spawn_child(args: &[&str]) -> std::io::Result<(Child, u16)> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| std::io::Error::other("no stdout from the stub server"))?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let port = line.trim().parse().map_err(|e| {
        std::io::Error::other(format!("the stub server printed {line:?}, not a port: {e}"))
    })?;
    Ok((child, port))
}

/// The stub's child process (see [`spawn_child`]): prints its port, then answers until its
/// parent is gone (its stdin closes).
#[allow(dead_code)] // the criterion benchmarks run the stub in a thread
pub fn serve_as_child(select_body: Vec<u8>) -> std::io::Result<()> {
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{}", listener.local_addr()?.port())?;
    stdout.flush()?;
    serve_forever(listener, select_body)
}

/// Answers every connection of `listener`, each in a thread of its own.
pub fn serve_forever(listener: TcpListener, select_body: Vec<u8>) -> std::io::Result<()> {
    let select_body = Arc::new(select_body);
    for stream in listener.incoming() {
        let stream = stream?;
        let body = Arc::clone(&select_body);
        std::thread::spawn(move || {
            let _ = serve(stream, &body);
        });
    }
    Ok(())
}

#[derive(serde::Deserialize)]
struct StubRequest {
    #[serde(default)]
    stmt: String,
    #[serde(default)]
    bulk_args: Option<Vec<serde::de::IgnoredAny>>,
}

fn serve(stream: TcpStream, select_body: &[u8]) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        let mut length = 0usize;
        let mut gzipped = false;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header)?;
            let h = header.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((name, value)) = h.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
                if name.eq_ignore_ascii_case("content-encoding") {
                    gzipped = value.trim().eq_ignore_ascii_case("gzip");
                }
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        if gzipped {
            // As CrateDB does, a gzip-encoded request body is decoded before it is read.
            let mut plain = Vec::new();
            flate2::read::GzDecoder::new(body.as_slice()).read_to_end(&mut plain)?;
            body = plain;
        }
        let answer: Vec<u8> = if request_line.starts_with("GET") || request_line.starts_with("HEAD")
        {
            br#"{"ok":true,"status":200,"name":"stub","cluster_name":"stub","version":{"number":"6.0.0"}}"#.to_vec()
        } else {
            match serde_json::from_slice::<StubRequest>(&body) {
                Ok(StubRequest {
                    bulk_args: Some(rows),
                    ..
                }) => {
                    let results = vec![r#"{"rowcount":1}"#; rows.len()].join(",");
                    format!(r#"{{"cols":[],"duration":1.0,"results":[{results}]}}"#).into_bytes()
                }
                Ok(req)
                    if req
                        .stmt
                        .trim_start()
                        .to_ascii_uppercase()
                        .starts_with("SELECT") =>
                {
                    select_body.to_vec()
                }
                _ => br#"{"cols":[],"rows":[[]],"rowcount":1,"duration":1.0}"#.to_vec(),
            }
        };
        // One write per answer (with Nagle off): a header sent apart from its body would wait
        // for the client's delayed ACK, 40 ms per request.
        let mut reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            answer.len()
        )
        .into_bytes();
        reply.extend_from_slice(&answer);
        out.write_all(&reply)?;
        out.flush()?;
    }
}
