//! [`Entry`]: one tracked model and where it stands — its [`EntryState`] — with every
//! transition between states as a method, and what puts a changed model back ([`Undo`]).
//!
//! ```text
//!           add                       commit (INSERT landed)
//!   ───────────────► New ────────────────────────────────────┐
//!                     │ delete / expire                       ▼
//!                     ▼           attach / load ───────────► Clean ◄──── commit (UPDATE landed),
//!                  Detached ◄─┐                   set/set_key │ │ touch  expire, reload
//!                             │                               ▼ ▼
//!     commit (DELETE landed)  │                    Changed(Recorded | Copied)
//!                             │                               │ delete
//!                             └──────────────────── Deleted ◄─┘ (Clean, too)
//! ```

use serde_json::Value;

use super::paths::{Path, PathId, Paths};
use crate::model::CrateModel;
use crate::{Error, Object, Result};

/// Where a tracked model stands relative to the database.
pub(crate) enum EntryState<M> {
    /// Added, not in the database yet.
    New(Attempt),
    /// In the database as it is.
    Clean,
    /// In the database, and changed since: how to put it back.
    Changed(Box<Undo<M>>),
    /// In the database and marked for deletion (with how to put back changes made before).
    Deleted(Option<Box<Undo<M>>>),
    /// No longer tracked (deleted, detached, or a new model dropped); still readable.
    Detached,
    /// Moved out of the session (`Session::take`): its handle reads nothing.
    Taken,
}

/// What an earlier commit learned about a new model's INSERT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// Not sent yet, or known not to have landed.
    Fresh,
    /// Sent, but the answer was lost: the row may be in the database.
    Unknown,
    /// Its answer was lost once, and `Session::resend` asked for it to be sent again.
    Resent,
}

impl Attempt {
    /// Whether an INSERT of the row was sent before and its answer lost (the row goes in
    /// small statements from then on: see `plan::LOST_ANSWER_ROWS`).
    pub fn answer_was_lost(self) -> bool {
        self != Attempt::Fresh
    }
}

/// How a changed model goes back to its database state, and which of its columns changed.
pub(crate) enum Undo<M> {
    /// Changes made through `Session::set`/`set_key`: each changed path once, with the value
    /// it held before (`None`: an object key that was missing), in the order of change.
    Recorded(Changes),
    /// The model was borrowed mutably: its database state, kept whole to compare with.
    Copied(M),
}

/// The recorded changes of one model, in the order of change: the first kept inline (most
/// models change one path, and then no list is allocated).
pub(crate) struct Changes {
    first: Change,
    more: Vec<Change>,
}

impl Changes {
    /// The changes, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Change> {
        std::iter::once(&self.first).chain(&self.more)
    }

    /// Records a change of `path` that replaced `old`, unless `path` changed before (the
    /// first change keeps the value from before it).
    fn record(&mut self, path: PathId, old: Option<Value>) {
        if !self.iter().any(|c| c.path == path) {
            self.more.push(Change { path, old });
        }
    }
}

/// One recorded change: the path, and the value it replaced.
pub(crate) struct Change {
    /// The changed path.
    pub path: PathId,
    /// The value before the first change of this path (`None`: a missing object key).
    pub old: Option<Value>,
}

/// One tracked model.
pub(crate) struct Entry<M> {
    model: M,
    state: EntryState<M>,
    /// `(_seq_no, _primary_term)` of a versioned model read or written by the session
    /// (boxed: most models are not versioned, and a loaded result holds many entries).
    version: Option<Box<(i64, i64)>>,
    /// Whether the entry is in its table's identity map, under the key of
    /// [`stored_identity`](Entry::stored_identity) (the key is not stored twice).
    pub keyed: bool,
    /// Whether an UPDATE or DELETE of the model was sent and its answer lost since the
    /// model was last known to match the database: a later versioned write that finds the
    /// row changed cannot tell that change from its own earlier one.
    pub write_unconfirmed: bool,
}

impl<M: CrateModel> Entry<M> {
    /// An entry for `model`.
    pub fn new(model: M, state: EntryState<M>, version: Option<(i64, i64)>, keyed: bool) -> Self {
        Entry {
            model,
            state,
            version: version.map(Box::new),
            keyed,
            write_unconfirmed: false,
        }
    }

    /// The model as it is in the session.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The entry's state.
    pub fn state(&self) -> &EntryState<M> {
        &self.state
    }

    /// `(_seq_no, _primary_term)`, for a versioned model read or written by this session.
    pub fn version(&self) -> Option<(i64, i64)> {
        self.version.as_deref().copied()
    }

    /// Records the version the database returned.
    pub fn set_version(&mut self, version: Option<(i64, i64)>) {
        self.version = version.map(Box::new);
    }

    /// The model that holds the row's identity as it is in the database: the kept copy of a
    /// model borrowed mutably (whose key may have been changed in the session), else the
    /// model itself (`set`/`set_key` never change a key).
    pub fn stored_identity(&self) -> &M {
        match &self.state {
            EntryState::Changed(undo) | EntryState::Deleted(Some(undo)) => match &**undo {
                Undo::Copied(saved) => saved,
                Undo::Recorded(_) => &self.model,
            },
            _ => &self.model,
        }
    }

    /// Whether the entry is tracked and in the database (not new, not deleted).
    pub fn is_persistent(&self) -> bool {
        matches!(self.state, EntryState::Clean | EntryState::Changed(_))
    }

    /// Whether the model can be read through its handle (it was not taken).
    pub fn is_readable(&self) -> bool {
        !matches!(self.state, EntryState::Taken)
    }

    /// Whether the session tracks the model (writes its changes).
    pub fn is_tracked(&self) -> bool {
        !matches!(self.state, EntryState::Detached | EntryState::Taken)
    }

    /// Whether the next commit would write this model.
    pub fn is_pending(&self) -> bool {
        match &self.state {
            EntryState::New(_) | EntryState::Deleted(_) => true,
            EntryState::Clean | EntryState::Detached | EntryState::Taken => false,
            EntryState::Changed(undo) => match &**undo {
                Undo::Recorded(_) => true,
                Undo::Copied(saved) => differs(&self.model, saved),
            },
        }
    }

    /// The model, to change it in place: a model in the database keeps a copy of its
    /// database state first (copy on write), which the commit compares it with. Recorded
    /// changes are folded into that copy's difference.
    pub fn touch(&mut self, paths: &Paths) -> &mut M {
        let copy = match &self.state {
            EntryState::Clean | EntryState::Deleted(None) => Some(self.model.snapshot()),
            EntryState::Changed(undo) | EntryState::Deleted(Some(undo)) => match &**undo {
                Undo::Recorded(changes) => {
                    let mut saved = self.model.snapshot();
                    put_back(&mut saved, changes, paths);
                    Some(saved)
                }
                Undo::Copied(_) => None,
            },
            EntryState::New(_) | EntryState::Detached | EntryState::Taken => None,
        };
        if let Some(saved) = copy {
            let copied = Box::new(Undo::Copied(saved));
            self.state = if matches!(self.state, EntryState::Deleted(_)) {
                EntryState::Deleted(Some(copied))
            } else {
                EntryState::Changed(copied)
            };
        }
        &mut self.model
    }

    /// Sets column `column` (with `keys`: the value at that key path inside the OBJECT
    /// column) to `value`, recording the change when the model is in the database.
    ///
    /// # Errors
    /// [`Error::Encode`] for a read-only column, a primary-key column of a model in the
    /// database, a path that crosses a value that is not an object, or a value that does
    /// not fit the column. Nothing changes then.
    pub fn set<S: AsRef<str>>(
        &mut self,
        column: usize,
        keys: &[S],
        value: Value,
        paths: &mut Paths,
    ) -> Result<()> {
        let meta = M::meta();
        let Some(c) = meta.columns.get(column) else {
            return Err(refusal("", "no such column"));
        };
        if c.is_insert_only() {
            return Err(refusal(
                c.name,
                "the column is read-only (generated or fetched by the server)",
            ));
        }
        if c.primary_key && !matches!(self.state, EntryState::New(_) | EntryState::Detached) {
            return Err(refusal(
                c.name,
                "a primary-key column cannot be updated (delete and re-add the row)",
            ));
        }
        // A NULL object is set whole: the column becomes an object holding the path.
        let whole = keys.is_empty() || self.model.column_object_ref(column).is_none();
        let old = if whole {
            let new = if keys.is_empty() {
                value
            } else {
                let mut object = Object::new();
                object.set_path(keys, value)?;
                Value::from(object)
            };
            let old = self.model.column_value(column);
            self.model.set_column(column, new)?;
            Some(old)
        } else {
            match self.model.column_object_mut(column) {
                Some(object) => object.set_path(keys, value)?,
                None => None,
            }
        };
        if self.records() {
            let path = if whole {
                paths.intern::<&str>(column, &[])
            } else {
                paths.intern(column, keys)
            };
            self.record(path, old);
        }
        Ok(())
    }

    /// Whether a change of this model is recorded: it is in the database and not compared
    /// with a copy at commit.
    fn records(&self) -> bool {
        match &self.state {
            EntryState::Clean | EntryState::Deleted(None) => true,
            EntryState::Changed(undo) | EntryState::Deleted(Some(undo)) => {
                matches!(**undo, Undo::Recorded(_))
            }
            EntryState::New(_) | EntryState::Detached | EntryState::Taken => false,
        }
    }

    /// Records a change of `path` that replaced `old` (see [`records`](Entry::records)).
    fn record(&mut self, path: PathId, old: Option<Value>) {
        let first = || {
            Box::new(Undo::Recorded(Changes {
                first: Change { path, old: None },
                more: Vec::new(),
            }))
        };
        let undo = match &mut self.state {
            EntryState::Clean => {
                self.state = EntryState::Changed(first());
                None
            }
            EntryState::Deleted(undo @ None) => {
                *undo = Some(first());
                None
            }
            EntryState::Changed(undo) | EntryState::Deleted(Some(undo)) => Some(undo),
            EntryState::New(_) | EntryState::Detached | EntryState::Taken => return,
        };
        match undo {
            Some(undo) => {
                if let Undo::Recorded(changes) = &mut **undo {
                    changes.record(path, old);
                }
            }
            // The first change: its value from before.
            None => {
                if let EntryState::Changed(undo) | EntryState::Deleted(Some(undo)) = &mut self.state
                {
                    if let Undo::Recorded(changes) = &mut **undo {
                        changes.first.old = old;
                    }
                }
            }
        }
    }

    /// Marks the model for deletion (a new model is simply dropped).
    pub fn delete(&mut self) {
        self.state = match std::mem::replace(&mut self.state, EntryState::Detached) {
            EntryState::New(_) | EntryState::Detached => EntryState::Detached,
            EntryState::Taken => EntryState::Taken,
            EntryState::Clean => EntryState::Deleted(None),
            EntryState::Changed(undo) => EntryState::Deleted(Some(undo)),
            deleted @ EntryState::Deleted(_) => deleted,
        };
    }

    /// Drops the pending changes: a new model is no longer tracked, a changed or deleted
    /// one goes back to its database state.
    pub fn expire(&mut self, paths: &Paths) {
        self.state = match std::mem::replace(&mut self.state, EntryState::Detached) {
            EntryState::New(_) | EntryState::Detached => EntryState::Detached,
            EntryState::Taken => EntryState::Taken,
            EntryState::Clean | EntryState::Deleted(None) => EntryState::Clean,
            EntryState::Changed(undo) | EntryState::Deleted(Some(undo)) => {
                match *undo {
                    Undo::Copied(saved) => self.model = saved,
                    Undo::Recorded(changes) => put_back(&mut self.model, &changes, paths),
                }
                EntryState::Clean
            }
        };
    }

    /// Replaces the model with a freshly read row: the entry is clean.
    pub fn reloaded(&mut self, model: M, version: Option<(i64, i64)>) {
        self.model = model;
        self.state = EntryState::Clean;
        self.set_version(version);
        self.write_unconfirmed = false;
    }

    /// The write landed: the model is the database state now (or, deleted, untracked).
    pub fn landed(&mut self, deleted: bool) {
        self.write_unconfirmed = false;
        self.state = if deleted {
            EntryState::Detached
        } else {
            EntryState::Clean
        };
    }

    /// The row landed as `stored` (an earlier INSERT whose answer was lost): that is the
    /// database state now; the model, if it changed since, is pending as a change of it.
    pub fn landed_as(&mut self, stored: M, version: Option<(i64, i64)>) {
        self.write_unconfirmed = false;
        self.set_version(version);
        self.state = if differs(&self.model, &stored) {
            EntryState::Changed(Box::new(Undo::Copied(stored)))
        } else {
            EntryState::Clean
        };
    }

    /// The model, to store values the server returned (an INSERT's server-made values).
    pub fn model_mut(&mut self) -> &mut M {
        &mut self.model
    }

    /// Stops tracking the model (its pending changes are not written); it stays readable.
    pub fn detach(&mut self) {
        if self.is_readable() {
            self.state = EntryState::Detached;
        }
    }

    /// Moves the model out, leaving a copy of its columns that nothing reads.
    pub fn take(&mut self) -> Option<M> {
        if !self.is_readable() {
            return None;
        }
        self.state = EntryState::Taken;
        let stand_in = self.model.snapshot();
        Some(std::mem::replace(&mut self.model, stand_in))
    }

    /// An INSERT of this new model may have landed (its answer was lost).
    pub fn insert_outcome_unknown(&mut self) {
        if let EntryState::New(attempt) = &mut self.state {
            *attempt = Attempt::Unknown;
        }
    }

    /// An INSERT whose outcome was unknown is to be sent again by the next commit.
    pub fn resend(&mut self) {
        if let EntryState::New(attempt @ Attempt::Unknown) = &mut self.state {
            *attempt = Attempt::Resent;
        }
    }
}

/// Whether some column an UPDATE writes differs between `model` and `saved`.
fn differs<M: CrateModel>(model: &M, saved: &M) -> bool {
    M::meta()
        .columns
        .iter()
        .enumerate()
        .any(|(i, c)| !c.is_insert_only() && !model.column_eq(saved, i))
}

/// Puts the values recorded changes replaced back into `model` (newest change first).
pub(crate) fn put_back<M: CrateModel>(model: &mut M, changes: &Changes, paths: &Paths) {
    for change in changes.iter().rev() {
        if let Some(path) = paths.get(change.path) {
            undo(model, path, change.old.clone());
        }
    }
}

/// Puts back one value. A value the model held fits it again; should it not, the newer
/// value stays.
fn undo<M: CrateModel>(model: &mut M, path: &Path, old: Option<Value>) {
    if path.keys.is_empty() {
        let _ = model.set_column(path.column, old.unwrap_or(Value::Null));
    } else if let Some(object) = model.column_object_mut(path.column) {
        match old {
            Some(v) => {
                let _ = object.set_path(&path.keys, v);
            }
            None => {
                object.remove_path(&path.keys);
            }
        }
    }
}

/// The error for a change that is refused.
fn refusal(column: &str, message: &str) -> Error {
    Error::Encode {
        column: column.to_owned(),
        message: message.to_owned(),
    }
}
