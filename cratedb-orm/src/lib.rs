// The crate docs are the README (a link to the workspace README, so the packaged crate has
// it too): its tutorial is compiled and run as doc-tests.
#![doc = include_str!("../README.md")]

extern crate self as cratedb_orm;

#[doc(hidden)]
pub mod __private;
pub mod client_expr;
pub mod ddl;
pub mod error;
pub mod expr;
pub mod migrate;
mod missing_column;
pub mod model;
mod model_sql;
pub mod query;
pub mod raw;
pub mod reflect;
pub mod relation;
pub mod retry;
pub mod session;
pub mod sql;
pub mod types;
pub mod write;

pub use cratedb_client as client;
pub use cratedb_client::Client;
pub use cratedb_orm_derive::CrateModel;
pub use error::{Error, Result};
pub use expr::Column;
pub use model::{ColumnMeta, CrateModel, RowLayout, TableMeta};
pub use query::{Query, Select};
pub use serde_json::Value;
pub use session::{Handle, Session};
pub use types::{
    CrateType, FloatVector, GeoPoint, GeoShape, Json, Object, ObjectArray, SqlType, Timestamp,
    TimestampTz,
};

/// The `rust_decimal` crate (feature `rust_decimal`), whose `Decimal` is a NUMERIC column.
#[cfg(feature = "rust_decimal")]
pub use rust_decimal;
/// The `uuid` crate, whose `Uuid` is a TEXT column.
pub use uuid;

/// A name for a second use of a model's table in one query (a self-join, a `WITH` query or a
/// subquery in `FROM`): `alias!(pub Parent = Device as "parent")` makes the type `Parent`, a
/// [`Relation`](query::Relation) over `Device`'s table written `"devices" AS "parent"`, whose
/// columns are `Parent::col(Device::id())` (written `"parent"."id"`).
///
/// ```
/// use cratedb_orm::{alias, CrateModel, Select};
///
/// #[derive(CrateModel, Debug, Default)]
/// #[cratedb(table = "devices")]
/// struct Device {
///     #[cratedb(primary_key)]
///     id: String,
///     parent_id: Option<String>,
///     name: String,
/// }
///
/// alias!(Parent = Device as "parent");
///
/// // Devices with their parent device: a self-join.
/// let q = Select::<Device>::new()
///     .join::<Parent>()
///     .on(Device::parent_id().eq(Parent::col(Device::id())))
///     .select((Device::name(), Parent::col(Device::name())));
/// assert_eq!(
///     q.to_sql().0,
///     r#"SELECT "devices"."name", "parent"."name" FROM "devices" JOIN "devices" AS "parent" ON "devices"."parent_id" = "parent"."id""#
/// );
/// ```
#[macro_export]
macro_rules! alias {
    ($(#[$meta:meta])* $vis:vis $name:ident = $model:ty as $alias:literal) => {
        $(#[$meta])*
        #[doc = concat!("The alias `\"", $alias, "\"` of `", stringify!($model), "`'s table.")]
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $name;

        impl $crate::__private::Relation for $name {
            type Model = $model;
            fn alias() -> ::core::option::Option<&'static str> {
                ::core::option::Option::Some($alias)
            }
        }

        #[allow(dead_code)]
        impl $name {
            /// A column of the model, under this alias.
            $vis const fn col<T>(
                column: $crate::__private::Column<$model, T>,
            ) -> $crate::__private::Column<$name, T> {
                $crate::__private::Column::of($alias, column.name())
            }
        }
    };
}

/// `serde_json`, for the [`object!`] macro.
#[doc(hidden)]
pub use serde_json as __serde_json;
