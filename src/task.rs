//! Background work: every request a page makes runs through here.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;

/// Runs `work` to its end on the browser's event loop. Every task becomes one boxed type, so
/// the executor's code is compiled once for the whole app instead of once per task.
pub fn spawn(work: impl Future<Output = ()> + 'static) {
    let work: Pin<Box<dyn Future<Output = ()>>> = Box::pin(work);
    leptos::task::spawn_local(work);
}

/// Whether a form is being sent. The submit button shows it; a second submit while the first
/// is under way (Enter pressed twice) is ignored.
#[derive(Clone, Copy)]
pub struct Sending(RwSignal<bool>);

impl Sending {
    pub fn new() -> Sending {
        Sending(RwSignal::new(false))
    }

    pub fn pending(self) -> Signal<bool> {
        self.0.into()
    }

    /// Sends with `work`, pending until it ends.
    pub fn start(self, work: impl Future<Output = ()> + 'static) {
        if self.0.get_untracked() {
            return;
        }
        self.0.set(true);
        spawn(sent(self.0, Box::pin(work)));
    }
}

/// Runs `work`, then says the form is no longer being sent. The work is boxed first, so that
/// this is compiled once for every form of the app rather than once for each.
async fn sent(pending: RwSignal<bool>, work: Pin<Box<dyn Future<Output = ()>>>) {
    work.await;
    pending.set(false);
}

impl Default for Sending {
    fn default() -> Sending {
        Sending::new()
    }
}

/// A value loaded once in the background: `None` until it arrives.
pub fn load<T: Send + Sync + 'static>(work: impl Future<Output = T> + 'static) -> ReadSignal<Option<T>> {
    let (value, set_value) = signal(None);
    spawn(async move { set_value.set(Some(work.await)) });
    value
}
