//! [`ErasedTable`]: a [`Table`] of any model type behind one trait, so a session holds the
//! tables of all its model types and a commit drives them alike.

use std::any::Any;

use cratedb_client::Client;
use serde_json::value::RawValue;

use super::batch::Batch;
use super::commit_error::Report;
use super::outcome::{self, Answer, Reading};
use super::plan::{self, Limits, Plan};
use super::send;
use super::settle;
use super::statement::Statement;
use super::table::Table;
use crate::model::CrateModel;

/// What a commit does with one table, whatever its model type.
pub(crate) trait ErasedTable: Send {
    /// The table, to downcast to its model type.
    fn as_any(&self) -> &dyn Any;
    /// The table, to downcast to its model type and change it.
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// Everything the next commit sends for this table.
    fn plan(&self, limits: Limits) -> Plan;
    /// The statement a batch sends, with its arguments (for display).
    fn statement(&self, batch: &Batch) -> Statement;
    /// Sends a batch.
    fn send(&self, batch: &Batch, client: &Client) -> Answer;
    /// The arguments of a batch, serialized (to send them from another thread).
    fn serialize_args(&self, batch: &Batch) -> serde_json::Result<Box<RawValue>>;

    /// Reads the answer to a batch.
    fn read(&self, batch: &Batch, answer: Answer, may_split: bool) -> Reading;
    /// Applies a read answer; returns the batches it calls for.
    fn settle(
        &mut self,
        batch: Batch,
        reading: Reading,
        report: &mut Report,
        split_budget: &mut usize,
    ) -> Vec<Batch>;
    /// Drops every pending change.
    fn rollback(&mut self);
    /// See [`Table::primary_terms_moved`]; the entries whose term moved are marked as
    /// having a write of unknown outcome.
    fn primary_terms_moved(&mut self, client: &Client, indices: &[usize]) -> Vec<bool>;
}

impl<M: CrateModel> ErasedTable for Table<M> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn plan(&self, limits: Limits) -> Plan {
        plan::plan(self, limits)
    }

    fn statement(&self, batch: &Batch) -> Statement {
        batch.statement(self)
    }

    fn send(&self, batch: &Batch, client: &Client) -> Answer {
        send::send(self, batch, client)
    }

    fn serialize_args(&self, batch: &Batch) -> serde_json::Result<Box<RawValue>> {
        send::serialize_args(self, batch)
    }

    fn read(&self, batch: &Batch, answer: Answer, may_split: bool) -> Reading {
        outcome::read(self, batch, answer, may_split)
    }

    fn settle(
        &mut self,
        batch: Batch,
        reading: Reading,
        report: &mut Report,
        split_budget: &mut usize,
    ) -> Vec<Batch> {
        settle::settle(self, batch, reading, report, split_budget)
    }

    fn rollback(&mut self) {
        Table::rollback(self);
    }

    fn primary_terms_moved(&mut self, client: &Client, indices: &[usize]) -> Vec<bool> {
        let moved = Table::primary_terms_moved(self, client, indices);
        for (&i, &m) in indices.iter().zip(&moved) {
            if m {
                self.write_unconfirmed(i);
            }
        }
        moved
    }
}
