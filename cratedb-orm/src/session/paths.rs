//! [`Paths`]: the columns and object-key paths that [`Session::set`](super::Session::set)
//! and [`Session::set_key`](super::Session::set_key) change, each interned once per table,
//! so that a recorded change is a small id and rows changed alike group by their ids.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

/// The id of an interned [`Path`].
pub(crate) type PathId = u32;

/// A changed target: a column, or a key path inside an OBJECT column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Path {
    /// The column's index in the model's metadata.
    pub column: usize,
    /// The key path inside the column (empty: the whole column).
    pub keys: Vec<String>,
}

/// Every path a table's changes used, by id. Ids are never reused, and there is no limit:
/// a long-lived session keeps recording whatever paths it sees.
#[derive(Default)]
pub(crate) struct Paths {
    list: Vec<Path>,
    /// The path interned last: changes of many models alike intern it again and again.
    last: Option<PathId>,
    /// Ids by the hash of their path (compared in full on a hit): a lookup builds no
    /// `Path`, so recording a change allocates nothing once its path is known.
    by_hash: HashMap<u64, Vec<PathId>>,
    hasher: RandomState,
}

impl Paths {
    /// The id of a path, added on first use.
    pub fn intern<S: AsRef<str>>(&mut self, column: usize, keys: &[S]) -> PathId {
        let same = |p: &Path| {
            p.column == column
                && p.keys.len() == keys.len()
                && p.keys.iter().zip(keys).all(|(a, b)| a == b.as_ref())
        };
        if let Some(last) = self.last.filter(|&id| self.get(id).is_some_and(&same)) {
            return last;
        }
        let id = self.intern_hashed(column, keys, same);
        self.last = Some(id);
        id
    }

    fn intern_hashed<S: AsRef<str>>(
        &mut self,
        column: usize,
        keys: &[S],
        same: impl Fn(&Path) -> bool,
    ) -> PathId {
        let hash = self.hash(column, keys);
        let ids = self.by_hash.entry(hash).or_default();
        if let Some(&id) = ids
            .iter()
            .find(|&&id| self.list.get(id as usize).is_some_and(&same))
        {
            return id;
        }
        // More than 2^32 distinct paths cannot be held in memory anyway.
        let id = PathId::try_from(self.list.len()).unwrap_or(PathId::MAX);
        ids.push(id);
        self.list.push(Path {
            column,
            keys: keys.iter().map(|k| k.as_ref().to_owned()).collect(),
        });
        id
    }

    /// The path with this id.
    pub fn get(&self, id: PathId) -> Option<&Path> {
        self.list.get(id as usize)
    }

    fn hash<S: AsRef<str>>(&self, column: usize, keys: &[S]) -> u64 {
        let mut h = self.hasher.build_hasher();
        column.hash(&mut h);
        for key in keys {
            key.as_ref().hash(&mut h);
        }
        h.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_interned_without_limit() {
        let mut paths = Paths::default();
        assert_eq!(paths.intern(1, &["a"]), 0);
        assert_eq!(paths.intern(1, &[] as &[&str]), 1);
        assert_eq!(paths.intern(1, &["a".to_owned()]), 0);
        for k in 0..1_000 {
            assert_eq!(paths.intern(2, &[k.to_string()]), 2 + k);
        }
        assert_eq!(paths.intern(2, &["999"]), 1_001);
        assert_eq!(
            paths.get(1_001),
            Some(&Path {
                column: 2,
                keys: vec!["999".into()]
            })
        );
        // ["a", "b"] and ["ab"] are different paths.
        assert_ne!(paths.intern(3, &["a", "b"]), paths.intern(3, &["ab"]));
    }
}
