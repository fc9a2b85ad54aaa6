//! The statements of a migration: `ALTER TABLE` (add, drop and rename columns, defaults,
//! settings), `ALTER CLUSTER SWAP TABLE`, `REFRESH TABLE`, `INSERT INTO … SELECT` and the
//! row count a rebuild verifies. One line each; identifiers always quoted.
//!
//! What CrateDB 6.4.3 does with them (each checked on the server, see
//! [`crate::migrate`]): `ADD COLUMN` works on a table with rows, also for a key of an
//! object column and with `DEFAULT` (existing rows read NULL; new rows get the default);
//! `NOT NULL`, `PRIMARY KEY` and generated columns need care (see the migration planner);
//! `RENAME COLUMN` takes one column per statement; `ALTER COLUMN … SET DEFAULT` changes the
//! default of new rows only.
//!
//! ```
//! use cratedb_orm::ddl::{alter, TableName};
//! use cratedb_orm::model::{ColumnMeta, TableSetting};
//! use cratedb_orm::reflect::ColumnPath;
//! use cratedb_orm::SqlType;
//!
//! let t = TableName::new(Some("iot"), "devices");
//! let battery = ColumnMeta::new("battery_pct", "battery_pct", SqlType::Double, true);
//! assert_eq!(
//!     alter::add_column(&t, &battery),
//!     r#"ALTER TABLE "iot"."devices" ADD COLUMN "battery_pct" DOUBLE PRECISION"#
//! );
//! assert_eq!(
//!     alter::add_key(&t, &ColumnPath::new("details", ["firmware"]), &SqlType::Text),
//!     r#"ALTER TABLE "iot"."devices" ADD COLUMN "details"['firmware'] TEXT"#
//! );
//! assert_eq!(
//!     alter::rename_column(&t, "battery", "battery_pct"),
//!     r#"ALTER TABLE "iot"."devices" RENAME COLUMN "battery" TO "battery_pct""#
//! );
//! assert_eq!(
//!     alter::set_settings(&t, &[("number_of_replicas", &TableSetting::Text("0-1"))]),
//!     r#"ALTER TABLE "iot"."devices" SET (number_of_replicas = '0-1')"#
//! );
//! assert_eq!(
//!     alter::swap_table(&t.sibling("devices_new"), &t),
//!     r#"ALTER CLUSTER SWAP TABLE "iot"."devices_new" TO "iot"."devices""#
//! );
//! ```

use super::{write_column, write_setting_name, write_setting_value, TableName};
use crate::model::{ColumnMeta, TableSetting};
use crate::reflect::ColumnPath;
use crate::sql::write_ident;
use crate::SqlType;

fn alter_table(table: &TableName) -> String {
    let mut out = String::from("ALTER TABLE ");
    table.write(&mut out);
    out
}

/// `ALTER TABLE t ADD COLUMN <definition>`: the column as `CREATE TABLE` declares it
/// (type, `DEFAULT`, `GENERATED ALWAYS AS`, `NOT NULL`, index and storage options).
pub fn add_column(table: &TableName, column: &ColumnMeta) -> String {
    let mut out = alter_table(table);
    out.push_str(" ADD COLUMN ");
    write_column(&mut out, column);
    out
}

/// `ALTER TABLE t ADD COLUMN "o"['k'] TYPE`: a key of an object column.
pub fn add_key(table: &TableName, path: &ColumnPath, sql_type: &SqlType) -> String {
    let mut out = alter_table(table);
    out.push_str(" ADD COLUMN ");
    path.write_sql(&mut out);
    out.push(' ');
    out.push_str(&sql_type.to_string());
    out
}

/// `ALTER TABLE t DROP COLUMN "c"` (or a key: `"o"['k']`). CrateDB hides the values; they
/// are not deleted, and a column added again under the name does not see them.
pub fn drop_column(table: &TableName, column: &ColumnPath) -> String {
    let mut out = alter_table(table);
    out.push_str(" DROP COLUMN ");
    column.write_sql(&mut out);
    out
}

/// `ALTER TABLE t RENAME COLUMN "from" TO "to"` (one column per statement: CrateDB 6.4.3
/// refuses a list).
pub fn rename_column(table: &TableName, from: &str, to: &str) -> String {
    let mut out = alter_table(table);
    out.push_str(" RENAME COLUMN ");
    write_ident(&mut out, from);
    out.push_str(" TO ");
    write_ident(&mut out, to);
    out
}

/// `ALTER TABLE t ALTER COLUMN "c" SET DEFAULT <expr>` (CrateDB 6.3+; new rows only). The
/// expression is the model's SQL, from its source code.
pub fn set_default(table: &TableName, column: &str, expr: &str) -> String {
    let mut out = alter_table(table);
    out.push_str(" ALTER COLUMN ");
    write_ident(&mut out, column);
    out.push_str(" SET DEFAULT ");
    out.push_str(expr);
    out
}

/// `ALTER TABLE t ALTER COLUMN "c" DROP DEFAULT`.
pub fn drop_default(table: &TableName, column: &str) -> String {
    let mut out = alter_table(table);
    out.push_str(" ALTER COLUMN ");
    write_ident(&mut out, column);
    out.push_str(" DROP DEFAULT");
    out
}

/// `ALTER TABLE t SET (k = v, …)`: table settings (`number_of_replicas`,
/// `refresh_interval`, `column_policy`, `"blocks.write"`, …). On a partitioned table this
/// changes the existing partitions and the template of new ones.
pub fn set_settings(table: &TableName, settings: &[(&str, &TableSetting)]) -> String {
    let mut out = alter_table(table);
    out.push_str(" SET (");
    for (i, (key, value)) in settings.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_setting_name(&mut out, key);
        out.push_str(" = ");
        write_setting_value(&mut out, value);
    }
    out.push(')');
    out
}

/// `ALTER CLUSTER SWAP TABLE source TO target`: the two tables exchange names in one
/// cluster-state change (readers see one or the other, never neither). CrateDB 6.4.3 refuses
/// it while either table has `"blocks.write" = true`.
pub fn swap_table(source: &TableName, target: &TableName) -> String {
    let mut out = String::from("ALTER CLUSTER SWAP TABLE ");
    source.write(&mut out);
    out.push_str(" TO ");
    target.write(&mut out);
    out
}

/// `REFRESH TABLE t`: makes every write visible to searches (an `INSERT … SELECT` and a
/// `count(*)` see only refreshed rows).
pub fn refresh_table(table: &TableName) -> String {
    let mut out = String::from("REFRESH TABLE ");
    table.write(&mut out);
    out
}

/// `INSERT INTO target ("a", "b") SELECT "a", "old_b" FROM source`: each pair is
/// (target column, source column). CrateDB casts each value to the target column's type;
/// a row it cannot write (a failed cast, NOT NULL, a CHECK) is skipped without an error, so
/// the row count must be checked.
pub fn insert_select(target: &TableName, columns: &[(&str, &str)], source: &TableName) -> String {
    let mut out = String::from("INSERT INTO ");
    target.write(&mut out);
    out.push_str(" (");
    for (i, (to, _)) in columns.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_ident(&mut out, to);
    }
    out.push_str(") SELECT ");
    for (i, (_, from)) in columns.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_ident(&mut out, from);
    }
    out.push_str(" FROM ");
    source.write(&mut out);
    out
}

/// `SELECT count(*) FROM t`.
pub fn count_rows(table: &TableName) -> String {
    let mut out = String::from("SELECT count(*) FROM ");
    table.write(&mut out);
    out
}

/// `DROP TABLE t`.
pub fn drop_table(table: &TableName) -> String {
    let mut out = String::from("DROP TABLE ");
    table.write(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements() {
        let t = TableName::new(None, "t\"x");
        let s = t.sibling("s");
        assert_eq!(
            add_column(
                &t,
                &ColumnMeta::new("c", "c", SqlType::Integer, false).server_default("5")
            ),
            r#"ALTER TABLE "t""x" ADD COLUMN "c" INTEGER DEFAULT 5 NOT NULL"#
        );
        assert_eq!(
            drop_column(&t, &ColumnPath::new("o", ["a'b"])),
            r#"ALTER TABLE "t""x" DROP COLUMN "o"['a''b']"#
        );
        assert_eq!(
            set_default(&t, "c", "now()"),
            r#"ALTER TABLE "t""x" ALTER COLUMN "c" SET DEFAULT now()"#
        );
        assert_eq!(
            drop_default(&t, "c"),
            r#"ALTER TABLE "t""x" ALTER COLUMN "c" DROP DEFAULT"#
        );
        assert_eq!(
            set_settings(
                &t,
                &[
                    ("blocks.write", &TableSetting::Bool(true)),
                    ("refresh_interval", &TableSetting::Int(500))
                ]
            ),
            r#"ALTER TABLE "t""x" SET ("blocks.write" = true, refresh_interval = 500)"#
        );
        assert_eq!(
            insert_select(&s, &[("a", "a"), ("b", "old b")], &t),
            r#"INSERT INTO "s" ("a", "b") SELECT "a", "old b" FROM "t""x""#
        );
        assert_eq!(refresh_table(&t), r#"REFRESH TABLE "t""x""#);
        assert_eq!(count_rows(&s), r#"SELECT count(*) FROM "s""#);
        assert_eq!(drop_table(&s), r#"DROP TABLE "s""#);
    }
}
