//! [`Handle`]: a typed reference to a model tracked by a session.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

/// A reference to a model of type `M` tracked by a [`Session`](super::Session).
///
/// Handles are small `Copy` values: the session owns the models, so change tracking needs
/// no wrappers, no interior mutability and no lifetimes in user code. Read a model with
/// `session[handle]` or [`Session::get`](super::Session::get), change it with
/// `session[handle].field = …` or [`Session::get_mut`](super::Session::get_mut).
/// A handle knows the session that returned it: another session refuses it (`get` gives
/// `None`, `set` an error, `session[handle]` panics), it never reads another model.
pub struct Handle<M> {
    pub(crate) session: u64,
    pub(crate) index: usize,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Handle<M> {
    pub(crate) fn new(session: u64, index: usize) -> Self {
        Handle {
            session,
            index,
            _marker: PhantomData,
        }
    }
}

impl<M> Clone for Handle<M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for Handle<M> {}

impl<M> PartialEq for Handle<M> {
    fn eq(&self, other: &Self) -> bool {
        self.session == other.session && self.index == other.index
    }
}

impl<M> Eq for Handle<M> {}

impl<M> Hash for Handle<M> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.session.hash(state);
        self.index.hash(state);
    }
}

impl<M> fmt::Debug for Handle<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Handle<{}>({} of session {})",
            std::any::type_name::<M>(),
            self.index,
            self.session
        )
    }
}
