//! Gatehouse's browser app.

use leptos::prelude::*;

/// The app's root component.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <main class="page">
            <h1>"Gatehouse"</h1>
            <p>"Your account, kept safe."</p>
        </main>
    }
}
