//! [`TableName`]: a possibly schema-qualified table name, quoted when displayed.

use std::fmt;

use crate::sql::write_ident;

/// A table's name, with its schema when known: `Display` writes it quoted
/// (`"doc"."devices"`), as every statement the ORM writes names a table.
///
/// ```
/// use cratedb_orm::ddl::TableName;
/// assert_eq!(TableName::new(Some("doc"), "de\"vices").to_string(), r#""doc"."de""vices""#);
/// assert_eq!(TableName::new(None, "devices").to_string(), r#""devices""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableName {
    /// The schema; `None` leaves it to the client's default schema.
    pub schema: Option<String>,
    /// The table name.
    pub name: String,
}

impl TableName {
    /// `schema.name`.
    pub fn new(schema: Option<&str>, name: &str) -> Self {
        TableName {
            schema: schema.map(str::to_owned),
            name: name.to_owned(),
        }
    }

    /// Another table in the same schema.
    pub fn sibling(&self, name: &str) -> Self {
        TableName {
            schema: self.schema.clone(),
            name: name.to_owned(),
        }
    }

    /// Appends the quoted name.
    pub fn write(&self, out: &mut String) {
        if let Some(schema) = &self.schema {
            write_ident(out, schema);
            out.push('.');
        }
        write_ident(out, &self.name);
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write(&mut out);
        f.write_str(&out)
    }
}
