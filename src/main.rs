//! Gatehouse's browser app: every page but the staff console's, which is a bundle of its own
//! (`src/bin/console.rs`). It is built for the browser with `trunk build`; the native build
//! only exists so that `cargo test --workspace` compiles and tests the app's pure logic.

#[cfg(target_arch = "wasm32")]
fn main() {
    use gatehouse_app::app::{App, APP};
    use leptos::prelude::*;

    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(|| view! { <App pages=APP/> });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    println!("The Gatehouse app runs in a browser: `scripts/run` builds it and starts the server that serves it.");
}
