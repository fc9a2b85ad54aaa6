//! Relationships between models through a key: a child model's column holds its parent's
//! primary key. Declared on either model —
//! `#[cratedb(belongs_to(parent = Device, key = "device_id"))]` on `Alert`, or
//! `#[cratedb(has_many(child = Alert, key = "device_id"))]` on `Device` — they give
//! [`BelongsTo`], and with it:
//!
//! - joins without writing the condition: `Select::<Alert>::new().join_parent::<Device>()`
//!   (`… JOIN "devices" ON "alerts"."device_id" = "devices"."id"`),
//!   `Select::<Device>::new().left_join_children::<Alert>()`;
//! - eager loading, one query per relation, never one per parent:
//!   [`Session::load_children`](crate::Session::load_children),
//!   [`Session::load_parents`](crate::Session::load_parents) and
//!   [`Query::all_with_children`](crate::Query::all_with_children). The children are found by
//!   a search (`"device_id" = ANY($1)`), which sees rows written more than a second ago (or
//!   after [`Session::refresh_table`](crate::Session::refresh_table)).
//!
//! ```
//! use cratedb_orm::{CrateModel, Select};
//!
//! #[derive(CrateModel, Debug, Default)]
//! #[cratedb(table = "devices", has_many(child = Alert, key = "device_id"))]
//! struct Device {
//!     #[cratedb(primary_key)]
//!     id: String,
//!     name: String,
//! }
//!
//! #[derive(CrateModel, Debug, Default)]
//! #[cratedb(table = "alerts")]
//! struct Alert {
//!     #[cratedb(primary_key)]
//!     id: String,
//!     device_id: String,
//!     severity: i32,
//! }
//!
//! let q = Select::<Alert>::new()
//!     .join_parent::<Device>()
//!     .filter(Alert::severity().ge(3))
//!     .select((Device::name(), Alert::severity()));
//! assert_eq!(
//!     q.to_sql().0,
//!     r#"SELECT "devices"."name", "alerts"."severity" FROM "alerts" JOIN "devices" ON "alerts"."device_id" = "devices"."id" WHERE "alerts"."severity" >= $1"#
//! );
//! ```

use crate::expr::{BinOp, N};
use crate::model::CrateModel;
use crate::{Error, Result};

/// A child model whose column [`FOREIGN_KEY`](BelongsTo::FOREIGN_KEY) holds the primary key
/// of parent `P` (which has a one-column primary key). Implemented by
/// `#[derive(CrateModel)]` for `belongs_to`/`has_many` declarations.
pub trait BelongsTo<P: CrateModel>: CrateModel {
    /// The child's column holding the parent's key.
    const FOREIGN_KEY: &'static str;
}

/// The child's key column and the parent's primary-key column (indexes into their
/// columns).
pub(crate) fn key_columns<C: BelongsTo<P>, P: CrateModel>() -> Result<(usize, usize)> {
    let child = C::meta();
    let parent = P::meta();
    let fk = child
        .column_index(C::FOREIGN_KEY)
        .ok_or_else(|| Error::InvalidQuery {
            message: format!(
                "{} has no column `{}`, the key of its relationship with {}",
                child.model,
                C::FOREIGN_KEY,
                parent.model
            ),
        })?;
    match parent.primary_key.as_slice() {
        [pk] => Ok((fk, *pk)),
        _ => Err(Error::InvalidQuery {
            message: format!(
                "{} is a parent of {} through `{}`, but has no one-column primary key",
                parent.model,
                child.model,
                C::FOREIGN_KEY
            ),
        }),
    }
}

/// `"child"."fk" = "parent"."pk"`, for relations named `child` and `parent`. A key column the
/// model lacks is written as declared (CrateDB then names it in its error).
pub(crate) fn join_condition<C: BelongsTo<P>, P: CrateModel>(
    child: &'static str,
    parent: &'static str,
) -> N {
    let pk = P::meta()
        .primary_key
        .first()
        .and_then(|&i| P::meta().columns.get(i))
        .map_or("", |c| c.name);
    N::binary(BinOp::Eq, N::Col(child, C::FOREIGN_KEY), N::Col(parent, pk))
}
