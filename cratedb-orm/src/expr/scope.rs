//! Where a column may appear, checked at compile time.
//!
//! Every expression carries, in its type, the list of relations (models, or
//! [aliases](crate::alias)) whose columns it reads: `()` for none (a value, `count(*)`),
//! `(Device, ())` for `Device::name().eq("x")`, `(Reading, (Device, ()))` for
//! `Reading::device_id().eq(Device::id())`. A query knows the relations of its `FROM` clause
//! (its *scope*), and accepts an expression only when each relation the expression reads is
//! in it ([`InScope`]). So `session.query::<Device>().filter(Reading::ts().gt(t))` does not
//! compile, and the error names the model that is missing:
//! "the column's model `Reading` is not in this query".
//!
//! The lists are type-level lists: `()` is empty, `(H, T)` is `H` followed by the list `T`.
//! [`Cat`] joins two of them. The index types ([`Here`], [`There`]) are found by the
//! compiler; you never write them.

use std::marker::PhantomData;

/// A type-level list of relations: `()`, or `(H, T)` with `T` a list.
pub trait RefList {
    /// This list followed by the list `B`.
    type Then<B: RefList>: RefList;
}

impl RefList for () {
    type Then<B: RefList> = B;
}

impl<H, T: RefList> RefList for (H, T) {
    type Then<B: RefList> = (H, T::Then<B>);
}

/// The relations of `A` followed by those of `B`: what an expression combining an `A` and a
/// `B` expression reads.
pub type Cat<A, B> = <A as RefList>::Then<B>;

/// Index marker: the relation is the head of the list.
#[derive(Debug)]
pub struct Here;

/// Index marker: the relation is in the tail of the list, at `I`.
#[derive(Debug)]
pub struct There<I>(PhantomData<fn() -> I>);

/// A query's relations (`Self`) include relation `M` (found at index `I`).
#[diagnostic::on_unimplemented(
    message = "the column's model `{M}` is not in this query",
    label = "`{M}` is not among the query's relations",
    note = "a query reads the columns of the models in its FROM clause and joins only: join `{M}` (`.join::<{M}>().on(…)`), or use a column of a model the query reads"
)]
pub trait HasRelation<M, I> {}

impl<M, T> HasRelation<M, Here> for (M, T) {}

impl<M, H, T: HasRelation<M, I>, I> HasRelation<M, There<I>> for (H, T) {}

/// Every relation an expression reads (`Self`) is in the query's scope `S`.
#[diagnostic::on_unimplemented(
    message = "this expression reads a model that is not in the query",
    label = "reads {Self}",
    note = "the query's relations are {S}: each model an expression reads must be in the query's FROM clause or joined"
)]
pub trait InScope<S, I> {}

impl<S> InScope<S, ()> for () {}

impl<H, T, S, I, J> InScope<S, (I, J)> for (H, T)
where
    S: HasRelation<H, I>,
    T: InScope<S, J>,
{
}

/// Every relation an expression reads (`Self`) is `M`: a condition of a statement on `M`'s
/// table alone (`update_where`, `delete_where`).
#[diagnostic::on_unimplemented(
    message = "this condition reads a model other than `{M}`",
    label = "reads {Self}",
    note = "an UPDATE or DELETE of `{M}`'s table reads only `{M}`'s columns (a subquery over another model may be in it)"
)]
pub trait Only<M> {}

impl<M> Only<M> for () {}

impl<M, T: Only<M>> Only<M> for (M, T) {}

#[cfg(test)]
mod tests {
    use super::*;

    struct A;
    struct B;
    struct C;

    fn in_scope<R: InScope<S, I>, S, I>() {}
    fn same<X, Y>()
    where
        X: Is<Y>,
    {
    }
    trait Is<T> {}
    impl<T> Is<T> for T {}

    #[test]
    fn lists_concatenate_and_check_membership() {
        same::<Cat<(A, ()), (B, (C, ()))>, (A, (B, (C, ())))>();
        same::<Cat<(A, (B, ())), (C, ())>, (A, (B, (C, ())))>();
        same::<Cat<(), (B, ())>, (B, ())>();
        in_scope::<(), (A, ()), _>();
        in_scope::<(A, ()), (A, ()), _>();
        in_scope::<(B, (A, (B, ()))), (A, (B, ())), _>();
        in_scope::<(C, ()), (A, (B, (C, ()))), _>();
    }
}
