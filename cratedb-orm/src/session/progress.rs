//! [`CommitProgress`]: how far a commit is, reported after each answered request.

/// How far a commit is: reported to the callback of
/// [`Session::commit_with_progress`](super::Session::commit_with_progress) after each answered
/// request, ready for a progress bar (`bar.set_length(p.total)`, `bar.set_position(p.done())`).
///
/// A row counts once, when its write is settled: `written` (landed) or `failed` (pending,
/// listed in the commit's error). Follow-up requests (rows sent again, lookups by key) do not
/// add to `total`; at the end `done() == total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CommitProgress {
    /// Row writes (inserts, updates, deletes) the commit has to settle.
    pub total: u64,
    /// Row writes that landed so far.
    pub written: u64,
    /// Row writes that did not land and stay pending.
    pub failed: u64,
    /// Requests answered so far (follow-ups included).
    pub requests: u64,
}

impl CommitProgress {
    /// Row writes settled so far: `written + failed`.
    pub fn done(&self) -> u64 {
        self.written + self.failed
    }
}
