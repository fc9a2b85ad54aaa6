//! Sending a batch: its arguments serialized straight from the models (or, for a request sent
//! from another thread, serialized beforehand), the request sent, the answer as an [`Answer`].

use cratedb_client::Client;
use serde::Serialize;
use serde_json::value::RawValue;

use super::batch::{Batch, BatchArgs};
use super::outcome::Answer;
use super::table::Table;
use crate::model::CrateModel;

/// Sends `batch` of `table`, serializing its arguments from the models into the request.
pub(crate) fn send<M: CrateModel>(table: &Table<M>, batch: &Batch, client: &Client) -> Answer {
    send_args(
        client,
        &batch.sql,
        batch.is_bulk(),
        &BatchArgs { table, batch },
    )
}

/// The arguments of `batch`, serialized now (to send them from another thread).
pub(crate) fn serialize_args<M: CrateModel>(
    table: &Table<M>,
    batch: &Batch,
) -> serde_json::Result<Box<RawValue>> {
    serde_json::value::to_raw_value(&BatchArgs { table, batch })
}

/// Sends `sql` with `args`: a bulk request (`bulk_args`) or a regular one.
pub(crate) fn send_args<A: Serialize + ?Sized>(
    client: &Client,
    sql: &str,
    bulk: bool,
    args: &A,
) -> Answer {
    let answer = if bulk {
        client.bulk(sql, args).map(Answer::Bulk)
    } else {
        client.sql(sql, args).map(Answer::Rows)
    };
    answer.unwrap_or_else(Answer::Failed)
}
