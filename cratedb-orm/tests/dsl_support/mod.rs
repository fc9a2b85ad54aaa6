//! Test models implementing `CrateModel` by hand, exactly as `#[derive(CrateModel)]` will:
//! typed column accessors returning `Column<Self, FieldType>`.
#![allow(dead_code)]

use std::sync::OnceLock;

use cratedb_orm::expr::{FromSqlValue, Index, ToSqlValue};
use cratedb_orm::model::FulltextIndex;
use cratedb_orm::types::{DecodeError, SqlType};
use cratedb_orm::{
    Column, ColumnMeta, CrateModel, Error, FloatVector, GeoPoint, GeoShape, Object, ObjectArray,
    Result, RowLayout, TableMeta, TimestampTz, Value,
};

fn take<T: FromSqlValue>(
    layout: &RowLayout,
    row: &mut [Value],
    meta: &TableMeta,
    i: usize,
) -> Result<T> {
    let value = layout.take(row, i);
    T::from_sql_value(value).map_err(|e: DecodeError| Error::decode(meta.columns[i].name, e))
}

fn set<T: FromSqlValue>(slot: &mut T, meta: &TableMeta, i: usize, value: Value) -> Result<()> {
    *slot = T::from_sql_value(value).map_err(|e| Error::decode(meta.columns[i].name, e))?;
    Ok(())
}

/// The seed's `Character`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Character {
    pub id: String,
    pub name: Option<String>,
    pub quote: String,
    pub details: Option<Object>,
    pub more_details: Option<ObjectArray>,
}

impl Character {
    pub const fn id() -> Column<Self, String> {
        Column::new("id")
    }
    pub const fn name() -> Column<Self, Option<String>> {
        Column::new("name")
    }
    pub const fn quote() -> Column<Self, String> {
        Column::new("quote")
    }
    pub const fn details() -> Column<Self, Option<Object>> {
        Column::new("details")
    }
    pub const fn more_details() -> Column<Self, Option<ObjectArray>> {
        Column::new("more_details")
    }
    pub const fn name_ft() -> Index<Self> {
        Index::new("name_ft")
    }
}

impl CrateModel for Character {
    fn meta() -> &'static TableMeta {
        static META: OnceLock<TableMeta> = OnceLock::new();
        META.get_or_init(|| {
            let mut m = TableMeta::new("Character", "characters");
            m.columns = vec![
                ColumnMeta::new("id", "id", SqlType::Text, false)
                    .primary_key()
                    .client_default(),
                ColumnMeta::new("name", "name", SqlType::Text, true),
                ColumnMeta::new("quote", "quote", SqlType::Text, false),
                ColumnMeta::new("details", "details", SqlType::object(), true),
                ColumnMeta::new(
                    "more_details",
                    "more_details",
                    SqlType::Array(Box::new(SqlType::object())),
                    true,
                ),
            ];
            m.primary_key = vec![0];
            m.number_of_shards = Some(3);
            m.fulltext_indexes = vec![FulltextIndex {
                name: "name_ft",
                columns: vec!["name"],
                analyzer: Some("english"),
            }];
            m
        })
    }
    fn to_values(&self) -> Vec<Value> {
        (0..5).map(|i| self.column_value(i)).collect()
    }
    fn column_value(&self, index: usize) -> Value {
        match index {
            0 => self.id.to_sql_value(),
            1 => self.name.to_sql_value(),
            2 => self.quote.to_sql_value(),
            3 => self.details.to_sql_value(),
            4 => self.more_details.to_sql_value(),
            _ => Value::Null,
        }
    }
    fn from_row(layout: &RowLayout, row: &mut [Value]) -> Result<Self> {
        let m = Self::meta();
        Ok(Character {
            id: take(layout, row, m, 0)?,
            name: take(layout, row, m, 1)?,
            quote: take(layout, row, m, 2)?,
            details: take(layout, row, m, 3)?,
            more_details: take(layout, row, m, 4)?,
        })
    }
    fn set_column(&mut self, index: usize, value: Value) -> Result<()> {
        let m = Self::meta();
        match index {
            0 => set(&mut self.id, m, 0, value),
            1 => set(&mut self.name, m, 1, value),
            2 => set(&mut self.quote, m, 2, value),
            3 => set(&mut self.details, m, 3, value),
            4 => set(&mut self.more_details, m, 4, value),
            _ => Ok(()),
        }
    }
    fn apply_defaults(&mut self) {
        if self.id.is_empty() {
            self.id = format!("id-{}", self.quote.len());
        }
    }
}

/// The seed's `City`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct City {
    pub name: String,
    pub coordinate: Option<GeoPoint>,
    pub area: Option<GeoShape>,
}

impl City {
    pub const fn name() -> Column<Self, String> {
        Column::new("name")
    }
    pub const fn coordinate() -> Column<Self, Option<GeoPoint>> {
        Column::new("coordinate")
    }
    pub const fn area() -> Column<Self, Option<GeoShape>> {
        Column::new("area")
    }
}

impl CrateModel for City {
    fn meta() -> &'static TableMeta {
        static META: OnceLock<TableMeta> = OnceLock::new();
        META.get_or_init(|| {
            let mut m = TableMeta::new("City", "cities");
            m.columns = vec![
                ColumnMeta::new("name", "name", SqlType::Text, false).primary_key(),
                ColumnMeta::new("coordinate", "coordinate", SqlType::GeoPoint, true),
                ColumnMeta::new("area", "area", SqlType::GeoShape, true),
            ];
            m.primary_key = vec![0];
            m
        })
    }
    fn to_values(&self) -> Vec<Value> {
        (0..3).map(|i| self.column_value(i)).collect()
    }
    fn column_value(&self, index: usize) -> Value {
        match index {
            0 => self.name.to_sql_value(),
            1 => self.coordinate.to_sql_value(),
            2 => self.area.to_sql_value(),
            _ => Value::Null,
        }
    }
    fn from_row(layout: &RowLayout, row: &mut [Value]) -> Result<Self> {
        let m = Self::meta();
        Ok(City {
            name: take(layout, row, m, 0)?,
            coordinate: take(layout, row, m, 1)?,
            area: take(layout, row, m, 2)?,
        })
    }
    fn set_column(&mut self, index: usize, value: Value) -> Result<()> {
        let m = Self::meta();
        match index {
            0 => set(&mut self.name, m, 0, value),
            1 => set(&mut self.coordinate, m, 1, value),
            2 => set(&mut self.area, m, 2, value),
            _ => Ok(()),
        }
    }
    fn apply_defaults(&mut self) {}
}

/// A model with a vector, a scalar array, numbers, a server default and a generated column;
/// versioned (optimistic concurrency).
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub id: i64,
    pub embedding: FloatVector<3>,
    pub tags: Vec<String>,
    pub rank: i32,
    pub weight: Option<f64>,
    pub flag: Option<bool>,
    pub created_at: Option<TimestampTz>,
    pub title_lower: Option<String>,
}

impl Doc {
    pub const fn id() -> Column<Self, i64> {
        Column::new("id")
    }
    pub const fn embedding() -> Column<Self, FloatVector<3>> {
        Column::new("embedding")
    }
    pub const fn tags() -> Column<Self, Vec<String>> {
        Column::new("tags")
    }
    pub const fn rank() -> Column<Self, i32> {
        Column::new("rank")
    }
    pub const fn weight() -> Column<Self, Option<f64>> {
        Column::new("weight")
    }
    pub const fn flag() -> Column<Self, Option<bool>> {
        Column::new("flag")
    }
    pub const fn created_at() -> Column<Self, Option<TimestampTz>> {
        Column::new("created_at")
    }
    pub const fn title_lower() -> Column<Self, Option<String>> {
        Column::new("title_lower")
    }
}

impl CrateModel for Doc {
    fn meta() -> &'static TableMeta {
        static META: OnceLock<TableMeta> = OnceLock::new();
        META.get_or_init(|| {
            let mut m = TableMeta::new("Doc", "docs");
            m.schema = Some("doc");
            m.columns = vec![
                ColumnMeta::new("id", "id", SqlType::Bigint, false).primary_key(),
                ColumnMeta::new("embedding", "embedding", SqlType::FloatVector(3), false),
                ColumnMeta::new(
                    "tags",
                    "tags",
                    SqlType::Array(Box::new(SqlType::Text)),
                    false,
                ),
                ColumnMeta::new("rank", "rank", SqlType::Integer, false),
                ColumnMeta::new("weight", "weight", SqlType::Double, true),
                ColumnMeta::new("flag", "flag", SqlType::Boolean, true),
                ColumnMeta::new("created_at", "created_at", SqlType::TimestampTz, true)
                    .server_default("now()"),
                ColumnMeta::new("title_lower", "title_lower", SqlType::Text, true)
                    .generated("lower(title)"),
            ];
            m.primary_key = vec![0];
            m.versioned = true;
            m
        })
    }
    fn to_values(&self) -> Vec<Value> {
        (0..8).map(|i| self.column_value(i)).collect()
    }
    fn column_value(&self, index: usize) -> Value {
        match index {
            0 => self.id.to_sql_value(),
            1 => self.embedding.to_sql_value(),
            2 => self.tags.to_sql_value(),
            3 => self.rank.to_sql_value(),
            4 => self.weight.to_sql_value(),
            5 => self.flag.to_sql_value(),
            6 => self.created_at.to_sql_value(),
            7 => self.title_lower.to_sql_value(),
            _ => Value::Null,
        }
    }
    fn from_row(layout: &RowLayout, row: &mut [Value]) -> Result<Self> {
        let m = Self::meta();
        Ok(Doc {
            id: take(layout, row, m, 0)?,
            embedding: take(layout, row, m, 1)?,
            tags: take(layout, row, m, 2)?,
            rank: take(layout, row, m, 3)?,
            weight: take(layout, row, m, 4)?,
            flag: take(layout, row, m, 5)?,
            created_at: take(layout, row, m, 6)?,
            title_lower: take(layout, row, m, 7)?,
        })
    }
    fn set_column(&mut self, index: usize, value: Value) -> Result<()> {
        let m = Self::meta();
        match index {
            0 => set(&mut self.id, m, 0, value),
            1 => set(&mut self.embedding, m, 1, value),
            2 => set(&mut self.tags, m, 2, value),
            3 => set(&mut self.rank, m, 3, value),
            4 => set(&mut self.weight, m, 4, value),
            5 => set(&mut self.flag, m, 5, value),
            6 => set(&mut self.created_at, m, 6, value),
            7 => set(&mut self.title_lower, m, 7, value),
            _ => Ok(()),
        }
    }
    fn apply_defaults(&mut self) {}
}

/// A model with odd identifiers: a quote in the table name, reserved words as columns,
/// a schema with a space.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Weird {
    pub user: String,
    pub quoted: Option<String>,
    pub offset: Option<i64>,
}

impl Weird {
    pub const fn user() -> Column<Self, String> {
        Column::new("user")
    }
    pub const fn quoted() -> Column<Self, Option<String>> {
        Column::new("weird \"name\"")
    }
    pub const fn offset() -> Column<Self, Option<i64>> {
        Column::new("offset")
    }
}

impl CrateModel for Weird {
    fn meta() -> &'static TableMeta {
        static META: OnceLock<TableMeta> = OnceLock::new();
        META.get_or_init(|| {
            let mut m = TableMeta::new("Weird", "weird \"name\"");
            m.schema = Some("my schema");
            m.columns = vec![
                ColumnMeta::new("user", "user", SqlType::Text, false).primary_key(),
                ColumnMeta::new("weird \"name\"", "quoted", SqlType::Text, true),
                ColumnMeta::new("offset", "offset", SqlType::Bigint, true),
            ];
            m.primary_key = vec![0];
            m
        })
    }
    fn to_values(&self) -> Vec<Value> {
        (0..3).map(|i| self.column_value(i)).collect()
    }
    fn column_value(&self, index: usize) -> Value {
        match index {
            0 => self.user.to_sql_value(),
            1 => self.quoted.to_sql_value(),
            2 => self.offset.to_sql_value(),
            _ => Value::Null,
        }
    }
    fn from_row(layout: &RowLayout, row: &mut [Value]) -> Result<Self> {
        let m = Self::meta();
        Ok(Weird {
            user: take(layout, row, m, 0)?,
            quoted: take(layout, row, m, 1)?,
            offset: take(layout, row, m, 2)?,
        })
    }
    fn set_column(&mut self, index: usize, value: Value) -> Result<()> {
        let m = Self::meta();
        match index {
            0 => set(&mut self.user, m, 0, value),
            1 => set(&mut self.quoted, m, 1, value),
            2 => set(&mut self.offset, m, 2, value),
            _ => Ok(()),
        }
    }
    fn apply_defaults(&mut self) {}
}
