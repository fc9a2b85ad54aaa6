//! Fault-test support: a 3-node CrateDB cluster of the test's own, started, killed and restarted
//! through `cratedb.sh` (`CRATEDB_SH=/path/to/cratedb.sh`; without it the test prints one line
//! and returns; when it is set and the cluster does not come up, the test fails). The cluster has its own node names, cluster name and free ports, never touches
//! another node, and is stopped (data purged) when the [`Cluster`] is dropped, also when a test
//! panics. One cluster runs at a time in this process ([`Cluster::start`] waits for the previous
//! one to be dropped): the machine this runs on may have two cores.
#![allow(dead_code)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cratedb_orm::{Client, CrateModel, Value};

/// How long a node may take to start, a cluster to form or turn green.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// Whether a cluster of this test process runs (one at a time).
static BUSY: Mutex<bool> = Mutex::new(false);
static FREED: Condvar = Condvar::new();

/// This process's turn to run a cluster, until dropped (a guard that may cross threads).
struct Turn;

impl Turn {
    fn take() -> Turn {
        let mut busy = BUSY.lock().unwrap_or_else(|e| e.into_inner());
        while *busy {
            busy = FREED.wait(busy).unwrap_or_else(|e| e.into_inner());
        }
        *busy = true;
        Turn
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        *BUSY.lock().unwrap_or_else(|e| e.into_inner()) = false;
        FREED.notify_all();
    }
}
static RUN: AtomicUsize = AtomicUsize::new(0);

/// One node of the cluster.
#[derive(Debug, Clone)]
pub struct Node {
    /// `--name` for cratedb.sh (also CrateDB's node name).
    pub name: String,
    /// HTTP port.
    pub http: u16,
    /// PostgreSQL wire port.
    pub psql: u16,
    /// Transport port.
    pub transport: u16,
}

impl Node {
    /// `127.0.0.1:PORT` of its HTTP endpoint.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.http)
    }
}

/// A running 3-node cluster, stopped on drop.
pub struct Cluster {
    script: PathBuf,
    /// Its nodes.
    pub nodes: Vec<Node>,
    /// Its cluster name.
    pub cluster: String,
    /// Which nodes run (started and not killed or stopped since).
    up: Vec<bool>,
    /// The pids of nodes stopped with SIGSTOP (resumed before the cluster stops).
    frozen: Vec<Option<u32>>,
    _turn: Turn,
}

/// `n` distinct free ports on 127.0.0.1 (held until all are picked, then released).
fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind a free port"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().expect("local addr").port())
        .collect()
}

/// The path of `CRATEDB_SH`: absolute, or relative to the current directory or, as given from
/// the workspace root (`CRATEDB_SH=../shared/cratedb/cratedb.sh cargo test …`; cargo runs
/// tests in the package directory), to the workspace root. Panics when it is no file.
fn resolve(given: &str) -> PathBuf {
    let path = PathBuf::from(given);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let found = if path.is_absolute() || path.is_file() {
        path.clone()
    } else {
        root.join(&path)
    };
    assert!(
        found.is_file(),
        "CRATEDB_SH={given} is not a file (relative paths are taken from the current \
         directory or the workspace root)"
    );
    found
}

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).trim(),
        String::from_utf8_lossy(&out.stderr).trim()
    )
}

impl Cluster {
    /// Starts a 3-node cluster with `cratedb.sh` from `CRATEDB_SH`, or returns `None` (after one
    /// line) when it is unset. Panics when it is set and the cluster does not come up.
    pub fn start(suite: &str) -> Option<Cluster> {
        let Ok(script) = std::env::var("CRATEDB_SH") else {
            let _ = writeln!(
                std::io::stderr(),
                "fault test {suite} skipped: CRATEDB_SH (path to cratedb.sh, for a 3-node cluster) is not set"
            );
            return None;
        };
        let script = resolve(&script);
        let turn = Turn::take();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos() % 100_000);
        let tag = format!(
            "{}-{nanos}-{}",
            std::process::id(),
            RUN.fetch_add(1, Ordering::Relaxed)
        );
        let ports = free_ports(9);
        let nodes: Vec<Node> = (0..3)
            .map(|i| Node {
                name: format!("fault-{tag}-n{}", i + 1),
                http: ports[i],
                psql: ports[3 + i],
                transport: ports[6 + i],
            })
            .collect();
        let mut cluster = Cluster {
            script,
            nodes,
            cluster: format!("fault-{tag}"),
            up: vec![false; 3],
            frozen: vec![None; 3],
            _turn: turn,
        };
        let started = Instant::now();
        for i in 0..3 {
            cluster.start_node(i, false);
        }
        cluster.wait_nodes(3);
        eprintln!(
            "[{suite}] cluster {} of 3 nodes ({}) up in {:.1} s",
            cluster.cluster,
            cluster
                .nodes
                .iter()
                .map(Node::addr)
                .collect::<Vec<_>>()
                .join(", "),
            started.elapsed().as_secs_f64()
        );
        Some(cluster)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("bash")
            .arg(&self.script)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", self.script.display()))
    }

    /// Starts node `i` (again, with its data when `keep_data`), waiting until it answers.
    pub fn start_node(&mut self, i: usize, keep_data: bool) {
        let node = &self.nodes[i];
        let seeds: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.transport))
            .collect();
        let masters: Vec<&str> = self.nodes.iter().map(|n| n.name.as_str()).collect();
        let (http, psql, transport) = (
            node.http.to_string(),
            node.psql.to_string(),
            node.transport.to_string(),
        );
        let (seeds, masters) = (seeds.join(","), masters.join(","));
        let timeout = START_TIMEOUT.as_secs().to_string();
        let mut args = vec![
            "start",
            "--name",
            &node.name,
            "--cluster",
            &self.cluster,
            "--port",
            &http,
            "--psql-port",
            &psql,
            "--transport-port",
            &transport,
            "--seed-hosts",
            &seeds,
            "--initial-masters",
            &masters,
            "--timeout",
            &timeout,
        ];
        if keep_data {
            args.push("--keep-data");
        }
        let out = self.run(&args);
        // Marked up even when the start failed: Drop then stops whatever may be left.
        self.up[i] = true;
        assert!(
            out.status.success(),
            "cratedb.sh start {} failed: {}",
            self.nodes[i].name,
            show(&out)
        );
    }

    /// SIGKILLs node `i` (`cratedb.sh kill`); its data stays for a restart.
    pub fn kill_node(&mut self, i: usize) {
        let out = self.run(&["kill", "--name", &self.nodes[i].name]);
        assert!(
            out.status.success(),
            "cratedb.sh kill {} failed: {}",
            self.nodes[i].name,
            show(&out)
        );
        self.up[i] = false;
    }

    /// Stops node `i` as an operator does for an upgrade (`cratedb.sh stop`: SIGTERM, the node
    /// leaves the cluster cleanly); its data stays for [`start_node`](Self::start_node) with
    /// `keep_data`.
    pub fn stop_node(&mut self, i: usize) {
        let out = self.run(&["stop", "--name", &self.nodes[i].name]);
        assert!(
            out.status.success(),
            "cratedb.sh stop {} failed: {}",
            self.nodes[i].name,
            show(&out)
        );
        self.up[i] = false;
    }

    /// The process id of running node `i` (from `cratedb.sh status`).
    pub fn pid(&self, i: usize) -> u32 {
        let out = self.run(&["status", "--name", &self.nodes[i].name]);
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .filter_map(|line| {
                let mut cols = line.split_whitespace();
                let name = cols.next()?;
                let _state = cols.next()?;
                let pid = cols.next()?.parse().ok()?;
                (name == self.nodes[i].name).then_some(pid)
            })
            .next()
            .unwrap_or_else(|| panic!("no pid for {}: {}", self.nodes[i].name, show(&out)))
    }

    /// Freezes node `i` with SIGSTOP (a long GC pause, a stalled VM): its kernel still
    /// accepts connections, the JVM answers nothing. [`thaw_node`](Self::thaw_node) resumes it;
    /// dropping the cluster does too.
    pub fn freeze_node(&mut self, i: usize) {
        let pid = self.pid(i);
        signal(pid, "-STOP");
        self.frozen[i] = Some(pid);
        // Returns once the process is stopped (state `T` in /proc), so that a request sent
        // after this meets the frozen node.
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // The state follows the command's closing parenthesis.
            let stopped = state
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with(['T', 't']));
            if stopped {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("node {i} (pid {pid}) did not stop within 5 s of SIGSTOP");
    }

    /// Resumes a node frozen by [`freeze_node`](Self::freeze_node) (SIGCONT).
    pub fn thaw_node(&mut self, i: usize) {
        if let Some(pid) = self.frozen[i].take() {
            signal(pid, "-CONT");
        }
    }

    /// The `crate://` URL of the nodes in `which`, with `schema`.
    pub fn url(&self, which: &[usize], schema: &str) -> String {
        let hosts: Vec<String> = which.iter().map(|&i| self.nodes[i].addr()).collect();
        format!("crate://{}/?schema={schema}", hosts.join(","))
    }

    /// A client on every node, in schema `doc`, for administrative queries.
    pub fn admin(&self) -> Client {
        Client::new(&self.url(&[0, 1, 2], "doc")).expect("admin client")
    }

    /// A client on one node only.
    pub fn node_client(&self, i: usize) -> Client {
        Client::new(&self.url(&[i], "doc")).expect("node client")
    }

    /// Waits until a running node sees `n` nodes.
    pub fn wait_nodes(&self, n: i64) {
        self.wait_for(
            "SELECT count(*) FROM sys.nodes",
            Value::from(n),
            Duration::from_millis(250),
            &format!("the cluster did not reach {n} nodes"),
        );
    }

    /// Waits until the cluster's health is GREEN (every shard and replica assigned); returns how
    /// long that took.
    pub fn wait_green(&self) -> Duration {
        self.wait_for(
            "SELECT health FROM sys.cluster_health",
            Value::from("GREEN"),
            Duration::from_millis(250),
            "the cluster did not turn GREEN",
        )
    }

    /// Asks the running nodes `sql` (one value) every `every` until one answers `expected`;
    /// returns how long that took, or panics with `failure` after [`START_TIMEOUT`].
    fn wait_for(&self, sql: &str, expected: Value, every: Duration, failure: &str) -> Duration {
        let started = Instant::now();
        let deadline = started + START_TIMEOUT;
        let mut last = String::new();
        while Instant::now() < deadline {
            for i in (0..3).filter(|&i| self.up[i]) {
                match self.node_client(i).sql(sql, &[] as &[Value]) {
                    Ok(r) if r.rows.first().and_then(|r| r.first()) == Some(&expected) => {
                        return started.elapsed()
                    }
                    Ok(r) => last = format!("{:?}", r.rows),
                    Err(e) => last = e.to_string(),
                }
            }
            thread::sleep(every);
        }
        panic!("{failure} in {START_TIMEOUT:?}: {last}");
    }

    /// Per table: health, missing shards (no active copy: a search skips them) and
    /// under-replicated shards, from `sys.health`.
    pub fn health(&self) -> String {
        for i in (0..3).filter(|&i| self.up[i]) {
            if let Ok(r) = self.node_client(i).sql(
                "SELECT table_name, health, missing_shards, underreplicated_shards \
                 FROM sys.health ORDER BY table_name",
                &[] as &[Value],
            ) {
                return format!("{:?}", r.rows);
            }
        }
        "no node answers".to_owned()
    }

    /// Waits until no table misses a shard (every primary active: a search sees every row
    /// again, the health is YELLOW or GREEN); returns how long that took.
    pub fn wait_primaries(&self) -> Duration {
        self.wait_for(
            "SELECT count(*) FROM sys.health WHERE missing_shards > 0 OR health = 'RED'",
            Value::from(0),
            Duration::from_millis(100),
            "shards still missing",
        )
    }

    /// Creates the table of `M` (qualified with `schema`) and waits for GREEN.
    pub fn create<M: CrateModel>(&self, client: &Client) {
        client
            .sql(&cratedb_orm::ddl::create_table(M::meta()), &[] as &[Value])
            .unwrap_or_else(|e| panic!("create table {}: {e}", M::meta().name));
        self.wait_green();
    }
}

/// Sends `kill <sig> <pid>`.
fn signal(pid: u32, sig: &str) {
    let out = Command::new("kill")
        .arg(sig)
        .arg(pid.to_string())
        .output()
        .unwrap_or_else(|e| panic!("kill {sig} {pid}: {e}"));
    assert!(out.status.success(), "kill {sig} {pid}: {}", show(&out));
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let started = Instant::now();
        // A stopped JVM does not act on SIGTERM: resume frozen nodes first.
        for i in 0..self.frozen.len() {
            if let Some(pid) = self.frozen[i].take() {
                let _ = Command::new("kill")
                    .arg("-CONT")
                    .arg(pid.to_string())
                    .output();
            }
        }
        for (i, node) in self.nodes.iter().enumerate() {
            // A killed node has no process left; `stop --purge` removes its data all the same.
            let out = self.run(&["stop", "--name", &node.name, "--purge"]);
            if !out.status.success() {
                eprintln!("cratedb.sh stop {} failed: {}", node.name, show(&out));
            }
            self.up[i] = false;
        }
        eprintln!(
            "cluster {} stopped in {:.1} s",
            self.cluster,
            started.elapsed().as_secs_f64()
        );
    }
}
