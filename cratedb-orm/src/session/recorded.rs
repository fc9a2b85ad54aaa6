//! Changes recorded by [`Session::set`](super::Session::set) and
//! [`Session::set_key`](super::Session::set_key): which column or object key of a model
//! changed, without a copy of the model to compare against, and the values they replaced
//! (so a rollback can put them back).

use serde_json::Value;

/// Most distinct recorded paths per table; beyond them a change falls back to the copy-on-write
/// snapshot (the same result, at the cost of a copy).
pub(crate) const MAX_PATHS: usize = 64;

/// A recorded target: a column, or a key path inside an OBJECT column.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Path {
    pub column: usize,
    pub keys: Vec<String>,
}

/// The table's distinct recorded paths (an entry's set of changed paths is a bit mask over
/// them) and the undo log.
#[derive(Default)]
pub(crate) struct Recorded {
    paths: Vec<Path>,
    undo: Vec<Undo>,
}

/// The value a recorded change replaced (`None`: the key was missing).
struct Undo {
    entry: usize,
    path: u8,
    old: Option<Value>,
}

impl Recorded {
    /// The id of a path, added on first use; `None` when the table already has
    /// [`MAX_PATHS`] others.
    pub fn intern<S: AsRef<str>>(&mut self, column: usize, keys: &[S]) -> Option<u8> {
        let same = |p: &Path| {
            p.column == column
                && p.keys.len() == keys.len()
                && p.keys.iter().zip(keys).all(|(a, b)| a == b.as_ref())
        };
        if let Some(id) = self.paths.iter().position(same) {
            return u8::try_from(id).ok();
        }
        if self.paths.len() >= MAX_PATHS {
            return None;
        }
        self.paths.push(Path {
            column,
            keys: keys.iter().map(|k| k.as_ref().to_owned()).collect(),
        });
        u8::try_from(self.paths.len() - 1).ok()
    }

    /// The path with this id.
    pub fn path(&self, id: u8) -> Option<&Path> {
        self.paths.get(usize::from(id))
    }

    /// The ids in a mask, in id order.
    pub fn ids(mask: u64) -> impl Iterator<Item = u8> {
        (0..64u8).filter(move |&id| mask & (1 << id) != 0)
    }

    /// Keeps the value a change of `entry`'s `path` replaced (call on its first change).
    pub fn remember(&mut self, entry: usize, path: u8, old: Option<Value>) {
        self.undo.push(Undo { entry, path, old });
    }

    /// Forgets the replaced values of one entry (its changes landed or were dropped).
    pub fn forget(&mut self, entry: usize) {
        self.undo.retain(|u| u.entry != entry);
    }

    /// Forgets every replaced value (all changes landed).
    pub fn clear(&mut self) {
        self.undo.clear();
    }

    /// Forgets the replaced values of every entry for which `keep` is false.
    pub fn retain(&mut self, mut keep: impl FnMut(usize) -> bool) {
        self.undo.retain(|u| keep(u.entry));
    }

    /// Takes the replaced values of one entry (newest first), to put them back.
    pub fn take(&mut self, entry: usize) -> Vec<(u8, Option<Value>)> {
        let mut taken = Vec::new();
        self.undo.retain_mut(|u| {
            if u.entry == entry {
                taken.push((u.path, u.old.take()));
                false
            } else {
                true
            }
        });
        taken.reverse();
        taken
    }

    /// Takes every replaced value (newest first), to put them all back.
    pub fn take_all(&mut self) -> Vec<(usize, u8, Option<Value>)> {
        let mut all: Vec<_> = self
            .undo
            .drain(..)
            .map(|u| (u.entry, u.path, u.old))
            .collect();
        all.reverse();
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_interned_up_to_the_limit() {
        let mut r = Recorded::default();
        assert_eq!(r.intern(1, &["a"]), Some(0));
        assert_eq!(r.intern(1, &[] as &[&str]), Some(1));
        assert_eq!(r.intern(1, &["a"]), Some(0));
        for k in 2..MAX_PATHS {
            assert!(r.intern(2, &[k.to_string()]).is_some());
        }
        assert_eq!(r.intern(3, &["x"]), None);
        assert_eq!(r.intern(1, &["a"]), Some(0));
        assert_eq!(
            Recorded::ids(0b1010 | 1 << 63).collect::<Vec<_>>(),
            [1, 3, 63]
        );
    }

    #[test]
    fn undo_is_newest_first_per_entry() {
        let mut r = Recorded::default();
        r.remember(1, 0, Some(Value::from(1)));
        r.remember(2, 0, None);
        r.remember(1, 1, Some(Value::from(2)));
        assert_eq!(
            r.take(1),
            [(1, Some(Value::from(2))), (0, Some(Value::from(1)))]
        );
        assert_eq!(r.take_all(), [(2, 0, None)]);
    }
}
