//! The typed expression DSL: columns, operators, object keys, aggregates, fulltext, geo.

mod column;

pub use column::Column;
