//! [`ColumnPath`]: a top-level column or a key of an object column, as
//! `information_schema.columns` lists them (`details['address']['city']`).

use std::fmt;

use crate::sql::{write_ident, write_subscripted};

/// A column (`name`) or a key of an object column (`details['city']`): the top-level column
/// and the keys below it.
///
/// `Display` gives the form `information_schema.columns.column_name` uses
/// (`details['city']`, not an identifier); [`ColumnPath::to_sql`] the quoted form for
/// statements (`"details"['city']`).
///
/// ```
/// use cratedb_orm::reflect::ColumnPath;
/// let path = ColumnPath::new("details", ["address", "it's"]);
/// assert_eq!(path.to_string(), "details['address']['it''s']");
/// assert_eq!(path.to_sql(), r#""details"['address']['it''s']"#);
/// assert_eq!(ColumnPath::top("id").to_sql(), r#""id""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ColumnPath {
    /// The top-level column.
    pub root: String,
    /// The keys below it (empty for a top-level column).
    pub path: Vec<String>,
}

impl ColumnPath {
    /// A key path below column `root`.
    pub fn new<I, S>(root: impl Into<String>, path: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ColumnPath {
            root: root.into(),
            path: path.into_iter().map(Into::into).collect(),
        }
    }

    /// A top-level column.
    pub fn top(root: impl Into<String>) -> Self {
        ColumnPath {
            root: root.into(),
            path: Vec::new(),
        }
    }

    /// A top-level column rather than a key of an object column.
    pub fn is_top(&self) -> bool {
        self.path.is_empty()
    }

    /// The path one key deeper.
    pub fn child(&self, key: impl Into<String>) -> Self {
        let mut path = self.path.clone();
        path.push(key.into());
        ColumnPath {
            root: self.root.clone(),
            path,
        }
    }

    /// The column or key this path is directly below (`None` for a top-level column).
    pub fn parent(&self) -> Option<ColumnPath> {
        let (_, parent) = self.path.split_last()?;
        Some(ColumnPath {
            root: self.root.clone(),
            path: parent.to_vec(),
        })
    }

    /// Whether `self` is `other` or lies below it.
    pub fn starts_with(&self, other: &ColumnPath) -> bool {
        self.root == other.root && self.path.starts_with(&other.path)
    }

    /// The quoted form for statements: `"details"['city']`.
    pub fn to_sql(&self) -> String {
        let mut out = String::new();
        self.write_sql(&mut out);
        out
    }

    /// Appends the quoted form for statements.
    pub fn write_sql(&self, out: &mut String) {
        if self.path.is_empty() {
            write_ident(out, &self.root);
        } else {
            write_subscripted(out, &self.root, &self.path);
        }
    }
}

impl fmt::Display for ColumnPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.root)?;
        for key in &self.path {
            f.write_str("['")?;
            f.write_str(&key.replace('\'', "''"))?;
            f.write_str("']")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_and_children() {
        let o = ColumnPath::top("o");
        let a = o.child("a");
        let b = a.child("b");
        assert_eq!(b.to_string(), "o['a']['b']");
        assert_eq!(b.parent(), Some(a.clone()));
        assert_eq!(a.parent(), Some(o.clone()));
        assert_eq!(o.parent(), None);
        assert!(b.starts_with(&o) && b.starts_with(&a) && !a.starts_with(&b));
        assert!(!ColumnPath::top("oo").starts_with(&o));
    }
}
