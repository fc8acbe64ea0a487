//! The staff console's bundle: the console's pages (`pages::console`) with the header and the
//! session every page has, loaded by the server for `/console` and the paths under it
//! (`console.html`, built into `dist/console/`). Keeping it apart keeps it out of the app's
//! first load.

#[cfg(target_arch = "wasm32")]
fn main() {
    use gatehouse_app::app::App;
    use gatehouse_app::pages::console::PAGES;
    use leptos::prelude::*;

    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(|| view! { <App pages=PAGES/> });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    println!(
        "The Gatehouse staff console runs in a browser: `scripts/run` builds it and starts the server that serves it."
    );
}
