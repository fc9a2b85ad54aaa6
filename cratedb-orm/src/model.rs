//! The [`CrateModel`] trait and the run-time metadata of a model's table.
//!
//! `#[derive(CrateModel)]` implements the trait; the session, the query DSL and the DDL
//! generator read only what is defined here.

use serde_json::Value;

use crate::types::SqlType;

/// A Rust struct mapped to a CrateDB table. Implement it with `#[derive(CrateModel)]`.
///
/// Column indexes used by the methods below are positions in [`TableMeta::columns`].
///
/// # `#[derive(CrateModel)]`
///
/// ```
/// use cratedb_orm::{CrateModel, Object, ObjectArray, TimestampTz};
///
/// fn gen_key() -> String {
///     cratedb_orm::types::random_uuid()
/// }
///
/// #[derive(Debug, Default, CrateModel)]
/// #[cratedb(table = "characters", number_of_shards = 3)]
/// #[cratedb(fulltext(name = "quote_ft", columns("quote"), analyzer = "english"))]
/// pub struct Character {
///     #[cratedb(primary_key, default = gen_key)]
///     pub id: Option<String>,
///     #[cratedb(index = false, fulltext(name = "name_ft", analyzer = "english"))]
///     pub name: Option<String>,
///     #[cratedb(generated = "lower(name)")]
///     pub name_normalized: Option<String>,
///     pub quote: String,
///     pub details: Option<Object>,
///     pub more_details: Option<ObjectArray>,
///     #[cratedb(columnstore = false)]
///     pub even_more_details: Option<String>,
///     #[cratedb(server_default = "now()")]
///     pub created_at: Option<TimestampTz>,
/// }
///
/// assert!(Character::create_table_sql().starts_with(r#"CREATE TABLE "characters" ("id" TEXT NOT NULL, "#));
/// assert_eq!(Character::name().name(), "name"); // a typed column for the query DSL
/// assert_eq!(Character::meta().primary_key, vec![0]);
/// ```
///
/// The derive generates this trait's impl (metadata built once; rows decoded by column
/// name), a `pub const fn <field>() -> Column<Self, FieldType>` per persisted field, and
/// `create_table_sql()`, `create_table_if_not_exists_sql()`, `drop_table_sql()`,
/// `drop_table_if_exists_sql()` (see [`crate::ddl`]).
///
/// Struct options (`#[cratedb(...)]` on the struct; several attributes may be used):
///
/// | option | effect |
/// |---|---|
/// | `table = "characters"` | the table name; **default: the struct name in snake_case** (`HTTPLog` → `http_log`), never pluralised |
/// | `schema = "doc"` | qualifies every statement (`"doc"."characters"`); default: the client's schema |
/// | `number_of_shards = 3` | `CLUSTERED INTO 3 SHARDS` |
/// | `clustered_by = "id"` | `CLUSTERED BY ("id")`; must be a primary-key column |
/// | `partitioned_by("day", …)` | `PARTITIONED BY ("day", …)`; primary-key columns |
/// | `number_of_replicas = "0-1"` (or an integer) | `WITH (number_of_replicas = '0-1')` |
/// | `with(refresh_interval = 1000, "blocks.read_only" = false)` | any other table setting (string, integer, float, bool) |
/// | `fulltext(name = "name_ft", columns("name", …), analyzer = "english")` | a named fulltext index (repeatable) |
/// | `versioned` | optimistic concurrency: the session checks `_seq_no`/`_primary_term` |
///
/// Field options:
///
/// | option | effect |
/// |---|---|
/// | `primary_key` | part of the primary key (several fields make a composite key) |
/// | `column = "_id"` | the SQL column name, when it differs from the field name |
/// | `default = path::to::fn` | client-side default for an `Option<T>` field: called by `apply_defaults` (on `Session::add`) while the field is `None`, never over a value you set; its result (`T` or `Option<T>`) is converted with `Into` |
/// | `server_default = "now()"` | `DEFAULT now()` for an `Option<T>` field: left out of the INSERT while `None`, so CrateDB fills it; the value is read back after insert |
/// | `generated = "lower(name)"` | `GENERATED ALWAYS AS (lower(name))`; read-only, read back after insert; may be part of the primary key (the partition-key pattern: `day GENERATED ALWAYS AS date_trunc('day', ts)`), then an `Option<T>` |
/// | `compute = path::to::fn` | with `generated`, on an `Option<T>` field: `fn(&Self) -> T` gives the value CrateDB would compute (e.g. `r.ts.truncate(TruncUnit::Day)`); called by `apply_defaults` while the field is `None`, and the value is sent with the INSERT (CrateDB refuses a value that differs from its own) so the row's key is known before the insert and rows go in bulk |
/// | `index = false` | `INDEX OFF` (not on OBJECT/GEO columns) |
/// | `columnstore = false` | `STORAGE WITH (columnstore = false)` (TEXT, numeric, timestamp) |
/// | `fulltext` / `fulltext(analyzer = "english")` | column-level `INDEX USING FULLTEXT [WITH (analyzer = …)]` |
/// | `fulltext(name = "name_ft", analyzer = "english")` | a named index over this one column |
/// | `fetched` | a server-generated value read back with `RETURNING`, never written (implied for system columns such as `_id`, which are never declared in DDL) |
/// | `object(policy = "strict", columns(age = "INTEGER"))` | `OBJECT(STRICT) AS ("age" INTEGER)` for `Object`/`ObjectArray` fields |
/// | `renamed_from = "old_name"` | the column's former name: a [migration](crate::migrate) renames `old_name` to this column (`ALTER TABLE … RENAME COLUMN`) instead of adding it; renames are never guessed |
/// | `skip` | not a column; filled with `Default::default()` when loading |
///
/// Nullability comes from the type: `Option<T>` is nullable, anything else `NOT NULL`
/// (primary-key columns are always `NOT NULL`). Defaults are visible in the types: a field
/// with `default` or `server_default` is an `Option<T>`, and only `None` is filled, so a
/// value you set (`false`, `0`, `""` included) is always the value written. A model needs
/// a primary key or an `_id` field (so the session can update its rows).
/// Misuse is a compile error pointing at the offending token, all reported at once:
/// unknown or duplicate options, wrong value types, `generated` with `default`, `compute`
/// without `generated`, a generated primary key that is not an `Option<T>`,
/// `default`/`server_default` on a field that is not an `Option<T>`, a `primary_key` on
/// an `Option<T>` (unless `default`/`server_default`/`fetched` fills it), `index = false`
/// on an OBJECT/GEO column, key or index columns that do not exist, a missing identity,
/// a `renamed_from` that names the column itself, a system column, a column still in the
/// model, or the same former column as another field.
///
/// With several named fulltext indexes sharing an analyzer, older Clippy versions report
/// the repeated `analyzer = "…"` as `clippy::duplicated_attributes` (a false positive):
/// allow that lint on the struct, or declare single-column indexes on their fields.
pub trait CrateModel: Sized + Send + 'static {
    /// The table's metadata, built once on first use.
    fn meta() -> &'static TableMeta;

    /// Encodes every column, in [`TableMeta::columns`] order, to its wire value.
    ///
    /// This is also the model's snapshot form: the session compares two snapshots to find
    /// what changed.
    fn to_values(&self) -> Vec<Value>;

    /// Encodes one column (by index) to its wire value.
    fn column_value(&self, index: usize) -> Value;

    /// Decodes a model from one result row. `layout` says where each model column is in
    /// `row`; values are taken out of `row` (left as `Null`).
    fn from_row(layout: &RowLayout, row: &mut [Value]) -> crate::Result<Self>;

    /// Decodes a model from one result row as the JSON parser reads it (no `Value` per
    /// column where the field type can avoid it): how queries load models. `layout` says
    /// which model column each position holds; the values of positions it
    /// [keeps](RowLayout::keeps) are pushed to `kept` as `(position, value)`.
    ///
    /// The outer error is the parser's; a value that does not fit is the inner
    /// [`Error::Decode`](crate::Error::Decode). The derive implements this; the default
    /// collects the row and calls [`from_row`](CrateModel::from_row).
    fn decode_row<'de, A: serde::de::SeqAccess<'de>>(
        layout: &RowLayout,
        mut row: A,
        kept: &mut Vec<(usize, Value)>,
    ) -> Result<crate::Result<Self>, A::Error> {
        let mut values = Vec::new();
        while let Some(value) = row.next_element::<Value>()? {
            if layout.keeps(values.len()) {
                kept.push((values.len(), value.clone()));
            }
            values.push(value);
        }
        Ok(Self::from_row(layout, &mut values))
    }

    /// Sets one column (by index) from a wire value, e.g. a value read back with `RETURNING`.
    fn set_column(&mut self, index: usize, value: Value) -> crate::Result<()>;

    /// Fills every field that has a client-side default (`#[cratedb(default = f)]`) and is
    /// still `None` (such fields are always `Option<T>`: a value you set is never replaced).
    fn apply_defaults(&mut self);

    /// Whether column `index` holds the same value in `self` and `other`. The session's
    /// change detection: a typed comparison, nothing is encoded.
    fn column_eq(&self, other: &Self, index: usize) -> bool;

    /// The keys of column `index` when it holds an OBJECT (borrowed): lets the session
    /// diff objects key by key without encoding them. `None` otherwise.
    fn column_object(&self, index: usize) -> Option<&serde_json::Map<String, Value>> {
        let _ = index;
        None
    }

    /// Column `index` as an [`Object`](crate::Object), when it holds one (not NULL). `None`
    /// otherwise.
    fn column_object_ref(&self, index: usize) -> Option<&crate::Object> {
        let _ = index;
        None
    }

    /// Column `index` as an [`Object`](crate::Object) to change in place, when it holds one
    /// (not NULL). `None` otherwise.
    fn column_object_mut(&mut self, index: usize) -> Option<&mut crate::Object> {
        let _ = index;
        None
    }

    /// Writes column `index`'s wire value straight into a serializer (what
    /// [`column_value`](CrateModel::column_value) returns, without building it).
    fn serialize_column<S: serde::Serializer>(
        &self,
        index: usize,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&self.column_value(index), serializer)
    }

    /// A copy of the persisted fields (skipped fields get their default): what the session
    /// keeps as the last state known to be in the database while a model is being changed.
    fn snapshot(&self) -> Self;
}

/// Where each model column is found in a result row.
///
/// Built once per result from the response's `cols`, so column order in a result does not
/// matter and extra columns are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowLayout {
    /// Per model column: its position in the row.
    positions: Vec<Option<usize>>,
    /// Per row position: the model column there.
    columns: Vec<Option<usize>>,
    /// The positions of `_seq_no` and `_primary_term`, when the result has both.
    version: Option<(usize, usize)>,
}

impl RowLayout {
    /// Maps `meta`'s columns to their positions among the result columns `cols`.
    /// The values of `_seq_no` and `_primary_term` are [kept](RowLayout::keeps).
    pub fn new<S: AsRef<str>>(meta: &TableMeta, cols: &[S]) -> Self {
        let positions: Vec<Option<usize>> = meta
            .columns
            .iter()
            .map(|c| cols.iter().position(|name| name.as_ref() == c.name))
            .collect();
        let mut columns = vec![None; cols.len()];
        for (index, position) in positions.iter().enumerate() {
            if let Some(slot) = position.and_then(|p| columns.get_mut(p)) {
                *slot = Some(index);
            }
        }
        let find = |name: &str| cols.iter().position(|c| c.as_ref() == name);
        let version = find("_seq_no").zip(find("_primary_term"));
        RowLayout {
            positions,
            columns,
            version,
        }
    }

    /// The identity layout: model column `i` is at row position `i`.
    pub fn identity(meta: &TableMeta) -> Self {
        let n = meta.columns.len();
        RowLayout {
            positions: (0..n).map(Some).collect(),
            columns: (0..n).map(Some).collect(),
            version: None,
        }
    }

    /// The model column at row position `position`, if any.
    pub fn column_at(&self, position: usize) -> Option<usize> {
        self.columns.get(position).copied().flatten()
    }

    /// Whether the value at row position `position` (not a model column) is kept for the
    /// caller: `_seq_no` and `_primary_term`.
    pub fn keeps(&self, position: usize) -> bool {
        self.version
            .is_some_and(|(s, p)| position == s || position == p)
    }

    /// The positions of `_seq_no` and `_primary_term`, when the result has both.
    pub fn version_positions(&self) -> Option<(usize, usize)> {
        self.version
    }

    /// Reads the value at row position `position` that is not a model column: kept as
    /// `(position, value)` when [`keeps`](RowLayout::keeps) says so, skipped otherwise.
    /// `false` when the row has ended.
    #[doc(hidden)]
    pub fn read_other<'de, A: serde::de::SeqAccess<'de>>(
        &self,
        position: usize,
        row: &mut A,
        kept: &mut Vec<(usize, Value)>,
    ) -> Result<bool, A::Error> {
        if self.keeps(position) {
            Ok(match row.next_element::<Value>()? {
                Some(value) => {
                    kept.push((position, value));
                    true
                }
                None => false,
            })
        } else {
            Ok(row.next_element::<serde::de::IgnoredAny>()?.is_some())
        }
    }

    /// The position in the row of model column `index`, if the result has it.
    pub fn position(&self, index: usize) -> Option<usize> {
        self.positions.get(index).copied().flatten()
    }

    /// Takes the value of model column `index` out of `row` (`Null` when absent).
    pub fn take(&self, row: &mut [Value], index: usize) -> Value {
        match self.position(index).and_then(|p| row.get_mut(p)) {
            Some(v) => std::mem::take(v),
            None => Value::Null,
        }
    }
}

/// A table setting in `WITH (…)`.
#[derive(Debug, Clone, PartialEq)]
pub enum TableSetting {
    /// A string value, rendered as a quoted literal (`'0-1'`).
    Text(&'static str),
    /// An integer value.
    Int(i64),
    /// A floating point value.
    Float(f64),
    /// A boolean value.
    Bool(bool),
}

/// A named fulltext index (`INDEX "name_ft" USING FULLTEXT ("name") WITH (analyzer = 'english')`).
///
/// Declared on the model, never a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulltextIndex {
    /// The index name, usable in `MATCH`.
    pub name: &'static str,
    /// The indexed columns.
    pub columns: Vec<&'static str>,
    /// The analyzer, if not the default.
    pub analyzer: Option<&'static str>,
}

/// One column of a model's table.
///
/// Built by the derive with [`ColumnMeta::new`] and the chainable setters, so that new
/// options never break generated code.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMeta {
    /// The SQL column name.
    pub name: &'static str,
    /// The Rust field name.
    pub field: &'static str,
    /// The column type.
    pub sql_type: SqlType,
    /// Nullable (`Option<T>` field); otherwise `NOT NULL`.
    pub nullable: bool,
    /// Part of the primary key.
    pub primary_key: bool,
    /// Has a client-side default function.
    pub client_default: bool,
    /// Server-side default expression (`DEFAULT now()`).
    pub server_default: Option<&'static str>,
    /// Generated column expression (`GENERATED ALWAYS AS (…)`).
    pub generated: Option<&'static str>,
    /// A generated column whose value the client computes (`compute = f`): sent on INSERT when
    /// the field holds a value (CrateDB checks it against the expression), left out so that
    /// CrateDB computes it while `None`.
    pub computed: bool,
    /// `false` renders `INDEX OFF`.
    pub index: bool,
    /// `false` renders `STORAGE WITH (columnstore = false)`.
    pub columnstore: bool,
    /// Column-level fulltext index: `Some(analyzer)` renders `INDEX USING FULLTEXT [WITH (analyzer = …)]`.
    pub fulltext: Option<Option<&'static str>>,
    /// Server-generated value read back after insert (`RETURNING`), never inserted.
    pub fetched: bool,
    /// The column's former name (`#[cratedb(renamed_from = "old")]`): a migration
    /// ([`crate::migrate`]) renames a column of that name to [`name`](ColumnMeta::name)
    /// instead of adding a new one. Renames are never guessed.
    pub renamed_from: Option<&'static str>,
}

impl ColumnMeta {
    /// A plain column.
    pub fn new(name: &'static str, field: &'static str, sql_type: SqlType, nullable: bool) -> Self {
        ColumnMeta {
            name,
            field,
            sql_type,
            nullable,
            primary_key: false,
            client_default: false,
            server_default: None,
            generated: None,
            computed: false,
            index: true,
            columnstore: true,
            fulltext: None,
            fetched: name.starts_with('_'),
            renamed_from: None,
        }
    }

    /// Marks the column as part of the primary key (which is `NOT NULL`, even for an
    /// `Option<T>` field that a default fills).
    pub fn primary_key(mut self) -> Self {
        self.primary_key = true;
        self.nullable = false;
        self
    }

    /// Marks the column as having a client-side default.
    pub fn client_default(mut self) -> Self {
        self.client_default = true;
        self
    }

    /// Sets the server-side default expression.
    pub fn server_default(mut self, expr: &'static str) -> Self {
        self.server_default = Some(expr);
        self
    }

    /// Sets the generation expression.
    pub fn generated(mut self, expr: &'static str) -> Self {
        self.generated = Some(expr);
        self
    }

    /// Marks a generated column as computed on the client too (see [`ColumnMeta::computed`]).
    pub fn computed(mut self) -> Self {
        self.computed = true;
        self
    }

    /// `INDEX OFF` when `false`.
    pub fn index(mut self, on: bool) -> Self {
        self.index = on;
        self
    }

    /// `STORAGE WITH (columnstore = false)` when `false`.
    pub fn columnstore(mut self, on: bool) -> Self {
        self.columnstore = on;
        self
    }

    /// A column-level fulltext index with an optional analyzer.
    pub fn fulltext(mut self, analyzer: Option<&'static str>) -> Self {
        self.fulltext = Some(analyzer);
        self
    }

    /// Marks the column as server-generated and read back with `RETURNING`.
    pub fn fetched(mut self) -> Self {
        self.fetched = true;
        self
    }

    /// Declares the column's former name (see [`ColumnMeta::renamed_from`]).
    pub fn renamed_from(mut self, old: &'static str) -> Self {
        self.renamed_from = Some(old);
        self
    }

    /// A system column (`_id`, `_seq_no`, …): never in DDL, never written.
    pub fn is_system(&self) -> bool {
        self.name.starts_with('_')
    }

    /// Never written by INSERT or UPDATE: system, fetched or generated columns (a generated
    /// column the client [computes](ColumnMeta::computed) is written by INSERT).
    pub fn is_read_only(&self) -> bool {
        self.fetched || (self.generated.is_some() && !self.computed) || self.is_system()
    }

    /// Filled by CrateDB when an INSERT leaves it out: a column with a server default, or a
    /// generated column the client computes (left out while the field is `None`).
    pub fn is_filled_when_left_out(&self) -> bool {
        self.server_default.is_some() || (self.generated.is_some() && self.computed)
    }

    /// Never written by UPDATE: read-only or generated (CrateDB computes a generated column
    /// from the row).
    pub fn is_insert_only(&self) -> bool {
        self.is_read_only() || self.generated.is_some()
    }

    /// Its value may come from the server on insert and must be read back with `RETURNING`:
    /// fetched, generated or server-default columns.
    pub fn is_server_generated(&self) -> bool {
        self.is_read_only() || self.server_default.is_some()
    }
}

/// A model's table: name, schema, columns, keys, indexes and table options.
#[derive(Debug, Clone, PartialEq)]
pub struct TableMeta {
    /// The Rust struct name.
    pub model: &'static str,
    /// The table name.
    pub name: &'static str,
    /// The schema; `None` uses the client's default schema.
    pub schema: Option<&'static str>,
    /// The persisted columns, in field order.
    pub columns: Vec<ColumnMeta>,
    /// Indexes into `columns` of the primary key, in declaration order.
    pub primary_key: Vec<usize>,
    /// `CLUSTERED BY` column.
    pub clustered_by: Option<&'static str>,
    /// `CLUSTERED INTO n SHARDS`.
    pub number_of_shards: Option<u32>,
    /// `PARTITIONED BY (…)` columns.
    pub partitioned_by: Vec<&'static str>,
    /// `WITH (…)` settings, in declaration order (includes `number_of_replicas`).
    pub with: Vec<(&'static str, TableSetting)>,
    /// Named fulltext indexes.
    pub fulltext_indexes: Vec<FulltextIndex>,
    /// Opt-in optimistic concurrency (`_seq_no`/`_primary_term` checks).
    pub versioned: bool,
    /// The generated columns whose expression the client evaluates exactly (set by
    /// [`TableMeta::finish`]; see [`ClientExpr`](crate::client_expr::ClientExpr)).
    pub client_exprs: Vec<(usize, crate::client_expr::ClientExpr)>,
}

impl TableMeta {
    /// A table with no columns or options yet.
    pub fn new(model: &'static str, name: &'static str) -> Self {
        TableMeta {
            model,
            name,
            schema: None,
            columns: Vec::new(),
            primary_key: Vec::new(),
            clustered_by: None,
            number_of_shards: None,
            partitioned_by: Vec::new(),
            with: Vec::new(),
            fulltext_indexes: Vec::new(),
            versioned: false,
            client_exprs: Vec::new(),
        }
    }

    /// Completes the metadata once every column is set: the generated columns whose
    /// expression the client evaluates exactly (`date_trunc('day', ts)` of a timestamp
    /// column) are marked [computed](ColumnMeta::computed), so a model knows their values
    /// (a generated partition key, above all) before the insert, and rows go in bulk.
    pub fn finish(mut self) -> Self {
        crate::client_expr::recognise_all(&mut self);
        self
    }

    /// The index of the column named `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnMeta> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The columns that identify a row: the primary key, or else the `_id` column.
    pub fn identity_columns(&self) -> Vec<usize> {
        if !self.primary_key.is_empty() {
            self.primary_key.clone()
        } else {
            self.column_index("_id").into_iter().collect()
        }
    }

    /// The identity columns an UPDATE or DELETE finds its row by: the identity without its
    /// generated columns, which CrateDB derives from the others (with `"day" = $n` in the
    /// `WHERE`, CrateDB 6.4.3 updates and deletes by a search, which sees only refreshed rows
    /// and refuses `_seq_no` checks; without it, by primary key, in real time).
    pub fn row_key_columns(&self) -> Vec<usize> {
        let ids = self.identity_columns();
        let base: Vec<usize> = ids
            .iter()
            .copied()
            .filter(|&i| self.columns.get(i).is_some_and(|c| c.generated.is_none()))
            .collect();
        if base.is_empty() {
            ids
        } else {
            base
        }
    }

    /// The quoted, schema-qualified table name (`"doc"."characters"`, or `"characters"`
    /// when the model has no schema).
    pub fn qualified_name(&self) -> String {
        let mut s = String::new();
        if let Some(schema) = self.schema {
            crate::sql::write_ident(&mut s, schema);
            s.push('.');
        }
        crate::sql::write_ident(&mut s, self.name);
        s
    }
}

/// Column `index` of `model`, serialized as its wire value straight from the field (no
/// `Value` built): how argument rows and identity keys are written.
pub(crate) struct ColumnValue<'a, M> {
    /// The model.
    pub model: &'a M,
    /// The column's index in [`TableMeta::columns`].
    pub index: usize,
}

impl<M: CrateModel> serde::Serialize for ColumnValue<'_, M> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.model.serialize_column(self.index, serializer)
    }
}
