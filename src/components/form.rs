//! Form building blocks: a labelled field with its errors, the alert and status regions, and a
//! submit button that shows progress. `FormState` holds a form's last error.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::validation::Problems;

/// The last error of one form: the server's, or the browser's own checks.
#[derive(Clone, Copy)]
pub struct FormState {
    pub error: RwSignal<Option<ApiError>>,
    /// The names of the fields the form shows; errors of other fields go to its alert.
    shown: &'static [&'static str],
}

impl FormState {
    pub fn new(shown: &'static [&'static str]) -> FormState {
        FormState { error: RwSignal::new(None), shown }
    }

    /// Records the browser's checks; true when they pass and the form may be sent.
    pub fn checked(self, problems: Problems) -> bool {
        if problems.is_empty() {
            self.error.set(None);
            true
        } else {
            self.error.set(Some(ApiError::Invalid { fields: problems.into_fields(), general: Vec::new() }));
            focus_first_invalid();
            false
        }
    }

    pub fn fail(self, error: ApiError) {
        self.error.set(Some(error));
        focus_first_invalid();
    }

    pub fn clear(self) {
        self.error.set(None);
    }

    pub fn field(self, name: &'static str) -> Signal<Vec<String>> {
        Signal::derive(move || self.error.with(|error| error.as_ref().map(|e| e.field(name)).unwrap_or_default()))
    }

    pub fn general(self) -> Signal<Vec<String>> {
        let shown = self.shown;
        Signal::derive(move || self.error.with(|error| error.as_ref().map(|e| e.general(shown)).unwrap_or_default()))
    }
}

/// Moves keyboard focus to the first field marked invalid, once the view shows it.
fn focus_first_invalid() {
    #[cfg(target_arch = "wasm32")]
    request_animation_frame(|| {
        use wasm_bindgen::JsCast;
        let found = document().query_selector("main [aria-invalid='true']").ok().flatten();
        if let Some(element) = found.and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = element.focus();
        }
    });
}

/// Moves keyboard focus to the element `id`, once the view shows it.
pub fn focus_by_id(id: impl Into<String>) {
    let id: String = id.into();
    #[cfg(target_arch = "wasm32")]
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        let found = document().get_element_by_id(&id);
        if let Some(element) = found.and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = element.focus();
        }
    });
    #[cfg(not(target_arch = "wasm32"))]
    let _ = id;
}

/// A labelled input with the messages about it underneath.
#[component]
pub fn Field(
    /// The visible label, which is also the field's accessible name.
    label: &'static str,
    /// The API's name for the field; it also names the element ids.
    name: &'static str,
    value: RwSignal<String>,
    #[prop(into)] errors: Signal<Vec<String>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: Option<&'static str>,
    /// The stem of the element ids when another field of the same name can be on the page at
    /// the same time; `field-{name}` otherwise.
    #[prop(optional, into)]
    id: Option<String>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| format!("field-{name}"));
    let described = format!("{id}-errors");
    let hint_id = format!("{id}-hint");
    let describedby = if hint.is_some() { format!("{hint_id} {described}") } else { described.clone() };
    view! {
        <div class="field" class:invalid=move || !errors.with(Vec::is_empty)>
            <div class="label-row">
                <label for=id.clone()>{label}</label>
                {(!required).then(|| view! { <span class="optional">"Optional"</span> })}
            </div>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                aria-required=if required { "true" } else { "false" }
                aria-invalid=move || if errors.with(Vec::is_empty) { "false" } else { "true" }
                aria-describedby=describedby
                bind:value=value
            />
            {hint.map(|text| view! { <p class="hint" id=hint_id>{text}</p> })}
            <ul class="field-errors" id=described>
                {move || errors.get().into_iter().map(|message| view! { <li>{message}</li> }).collect_view()}
            </ul>
        </div>
    }
}

/// The region that announces errors about a whole form (or page).
#[component]
pub fn Alert(#[prop(into)] messages: Signal<Vec<String>>) -> impl IntoView {
    view! {
        <div class="alert" role="alert" class:empty=move || messages.with(Vec::is_empty)>
            {move || messages.get().into_iter().map(|message| view! { <p>{message}</p> }).collect_view()}
        </div>
    }
}

/// The region that announces successes.
#[component]
pub fn Notices(#[prop(into)] messages: Signal<Vec<String>>) -> impl IntoView {
    view! {
        <div class="notice" role="status" class:empty=move || messages.with(Vec::is_empty)>
            {move || messages.get().into_iter().map(|message| view! { <p>{message}</p> }).collect_view()}
        </div>
    }
}

/// A submit button that is disabled and says so while its form is being sent.
#[component]
pub fn Submit(
    label: &'static str,
    #[prop(into)] pending: Signal<bool>,
    #[prop(default = "Sending…")] busy: &'static str,
    #[prop(default = "primary")] class: &'static str,
) -> impl IntoView {
    view! {
        <button type="submit" class=class disabled=move || pending.get() aria-busy=move || if pending.get() { "true" } else { "false" }>
            {move || if pending.get() { busy } else { label }}
        </button>
    }
}
