//! Statement echo (the seed's `echo=True`): a hook called once per statement.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// What the echo hook sees for each statement: the SQL text (never the arguments, which may hold
/// secrets), the server that answered last, and how long the request took.
#[derive(Debug, Clone, Copy)]
pub struct EchoEvent<'a> {
    /// The statement text as sent.
    pub statement: &'a str,
    /// The last server the request went to, `host:port`.
    pub server: &'a str,
    /// Wall-clock time of the whole request, failovers included.
    pub duration: Duration,
    /// For a bulk request, the number of argument rows.
    pub bulk_rows: Option<usize>,
    /// Whether the statement succeeded.
    pub ok: bool,
}

impl fmt::Display for EchoEvent<'_> {
    /// `[cratedb] 1.234 ms localhost:4200 SELECT 1` (with ` (bulk: 3 rows)` and ` FAILED`
    /// markers when they apply).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[cratedb] {:.3} ms {} {}",
            self.duration.as_secs_f64() * 1000.0,
            self.server,
            self.statement
        )?;
        if let Some(n) = self.bulk_rows {
            write!(f, " (bulk: {n} rows)")?;
        }
        if !self.ok {
            f.write_str(" FAILED")?;
        }
        Ok(())
    }
}

/// A statement echo hook, shared by all clones of a client.
#[derive(Clone)]
pub(crate) struct EchoHook(Arc<dyn Fn(&EchoEvent<'_>) + Send + Sync>);

impl EchoHook {
    pub(crate) fn new(f: impl Fn(&EchoEvent<'_>) + Send + Sync + 'static) -> Self {
        EchoHook(Arc::new(f))
    }

    /// A hook printing each event to standard error.
    pub(crate) fn stderr() -> Self {
        EchoHook::new(|e| eprintln!("{e}"))
    }

    pub(crate) fn call(&self, event: &EchoEvent<'_>) {
        (self.0)(event)
    }
}

impl fmt::Debug for EchoHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EchoHook")
    }
}
