//! The [`Session`]: a unit of work over a [`Client`] (skeleton; being built).

use std::marker::PhantomData;

use cratedb_client::{Client, SqlResponse};

use crate::{CrateModel, Result, RowLayout};

/// A unit of work: tracks models and flushes minimal, batched writes on commit.
pub struct Session {
    client: Client,
    models: Vec<Box<dyn std::any::Any + Send>>,
}

/// A handle to a model tracked by a [`Session`].
pub struct Handle<M> {
    index: usize,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Clone for Handle<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M> Copy for Handle<M> {}

impl Session {
    /// A session over `client`.
    pub fn new(client: Client) -> Self {
        Session {
            client,
            models: Vec::new(),
        }
    }

    /// The client this session sends its statements with.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Decodes the rows of `response` into models of type `M` and tracks them.
    pub fn track_rows<M: CrateModel>(&mut self, response: SqlResponse) -> Result<Vec<Handle<M>>> {
        let layout = RowLayout::new(M::meta(), &response.cols);
        let mut handles = Vec::with_capacity(response.rows.len());
        for mut row in response.rows {
            let model = M::from_row(&layout, &mut row)?;
            handles.push(Handle {
                index: self.models.len(),
                _marker: PhantomData,
            });
            self.models.push(Box::new(model));
        }
        Ok(handles)
    }

    /// The tracked model behind `handle`.
    pub fn get<M: CrateModel>(&self, handle: Handle<M>) -> Option<&M> {
        self.models.get(handle.index)?.downcast_ref()
    }
}
