//! The connection a rustls callback belongs to.
//!
//! rustls' traits (certificate resolver, verifiers, session store, key log)
//! get no connection handle, but the host's C callbacks need the `SSL*`.
//! Every entry point that drives rustls pushes its connection here for the
//! duration of the call and pops it on return (a stack, so nested calls --
//! a callback that drives another connection -- restore the outer one).
//! Nothing stays set between calls, so an `SSL` may move between threads.

use crate::tls::ssl::Ssl;
use std::cell::RefCell;
use std::sync::Arc;

thread_local! {
    static STACK: RefCell<Vec<Arc<Ssl>>> = const { RefCell::new(Vec::new()) };
}

/// Pops the connection when dropped.
#[must_use]
pub struct Guard(());

pub fn enter(ssl: &Arc<Ssl>) -> Guard {
    STACK.with(|s| s.borrow_mut().push(ssl.clone()));
    Guard(())
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = STACK.try_with(|s| s.borrow_mut().pop());
    }
}

/// The connection being driven on this thread, if any.
pub fn current() -> Option<Arc<Ssl>> {
    STACK.try_with(|s| s.borrow().last().cloned()).ok().flatten()
}
