//! Gatehouse's browser app. It is built for the browser with `trunk build`; the native build
//! only exists so that `cargo test --workspace` compiles and tests the app's pure logic.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(gatehouse_app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    println!("The Gatehouse app runs in a browser: `scripts/run` builds it and starts the server that serves it.");
}
