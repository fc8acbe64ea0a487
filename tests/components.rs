//! The form widgets in a real browser: labels tied to inputs, errors announced and described,
//! the alert region, the submit button while a form is sent, and the sending itself.
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;

use gatehouse_app::components::{Alert, Field, Submit};
use gatehouse_app::task::Sending;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn container() -> web_sys::HtmlElement {
    let document = document();
    let element = document.create_element("div").unwrap().unchecked_into::<web_sys::HtmlElement>();
    document.body().unwrap().append_child(&element).unwrap();
    element
}

fn find(parent: &web_sys::HtmlElement, selector: &str) -> web_sys::Element {
    parent.query_selector(selector).unwrap().unwrap_or_else(|| panic!("no {selector}"))
}

#[wasm_bindgen_test]
async fn a_field_is_labelled_and_announces_its_errors() {
    let parent = container();
    let value = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<String>::new());
    let _mounted = leptos::mount::mount_to(parent.clone(), move || {
        view! { <Field label="Email" name="email" kind="email" value=value errors=errors required=true/> }
    });
    let input = find(&parent, "input");
    let label = find(&parent, "label");
    assert_eq!(label.get_attribute("for"), input.get_attribute("id"));
    assert_eq!(label.text_content().unwrap(), "Email");
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("false"));
    assert_eq!(input.get_attribute("aria-required").as_deref(), Some("true"));

    errors.set(vec!["Enter a valid email address.".into()]);
    leptos::task::tick().await;
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    let list = find(&parent, ".field-errors");
    assert_eq!(list.text_content().unwrap(), "Enter a valid email address.");
    assert!(input.get_attribute("aria-describedby").unwrap().split(' ').any(|id| id == list.id()));
}

#[wasm_bindgen_test]
async fn typing_into_a_field_updates_its_value() {
    let parent = container();
    let value = RwSignal::new(String::new());
    let _mounted = leptos::mount::mount_to(parent.clone(), move || {
        view! { <Field label="Username" name="username" value=value errors=Signal::derive(Vec::new)/> }
    });
    let input = find(&parent, "input").unchecked_into::<web_sys::HtmlInputElement>();
    input.set_value("ada");
    input.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    assert_eq!(value.get_untracked(), "ada");
    assert!(parent.text_content().unwrap().contains("Optional"), "optional fields say so beside the label");
}

#[wasm_bindgen_test]
async fn the_alert_region_shows_messages_only_when_there_are_some() {
    let parent = container();
    let messages = RwSignal::new(Vec::<String>::new());
    let _mounted = leptos::mount::mount_to(parent.clone(), move || view! { <Alert messages=messages/> });
    let alert = find(&parent, "[role='alert']");
    assert!(alert.class_list().contains("empty"));
    messages.set(vec!["No active account found with the given credentials".into()]);
    leptos::task::tick().await;
    assert!(!alert.class_list().contains("empty"));
    assert_eq!(alert.text_content().unwrap(), "No active account found with the given credentials");
}

#[wasm_bindgen_test]
async fn the_submit_button_is_disabled_and_says_so_while_pending() {
    let parent = container();
    let pending = RwSignal::new(false);
    let _mounted = leptos::mount::mount_to(parent.clone(), move || {
        view! { <Submit label="Sign in" busy="Signing in…" pending=pending/> }
    });
    let button = find(&parent, "button");
    assert_eq!(button.text_content().unwrap(), "Sign in");
    assert!(!button.has_attribute("disabled"));
    pending.set(true);
    leptos::task::tick().await;
    assert_eq!(button.text_content().unwrap(), "Signing in…");
    assert!(button.has_attribute("disabled"));
    assert_eq!(button.get_attribute("aria-busy").as_deref(), Some("true"));
}

#[wasm_bindgen_test]
async fn a_form_is_pending_until_its_request_ends_and_a_second_submit_meanwhile_is_ignored() {
    // Mounting sets up the executor that runs the app's tasks, as the app does at start.
    let _mounted = leptos::mount::mount_to(container(), || ());
    let sending = Sending::new();
    let requests = Rc::new(Cell::new(0));
    let (answer, answered) = futures::channel::oneshot::channel::<()>();
    let first = requests.clone();
    sending.start(async move {
        first.set(first.get() + 1);
        let _ = answered.await;
    });
    leptos::task::tick().await;
    assert!(sending.pending().get_untracked());

    let second = requests.clone();
    sending.start(async move { second.set(second.get() + 1) });
    leptos::task::tick().await;
    assert_eq!(requests.get(), 1, "the second submit is not sent");
    assert!(sending.pending().get_untracked());

    answer.send(()).unwrap();
    leptos::task::tick().await;
    leptos::task::tick().await;
    assert!(!sending.pending().get_untracked());
}
