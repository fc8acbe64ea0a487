use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use crate::api::NewAccount;
use crate::auth::use_api;
use crate::components::{Alert, Field, FormState, Submit};
use crate::notice::Notice;
use crate::pages::providers::ProviderButtons;
use crate::routes::{self, Page};
use crate::task::Sending;
use crate::validation::Problems;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let api = use_api();
    let navigate = use_navigate();
    let form = FormState::new(&["username", "email", "first_name", "last_name", "password", "confirm_password"]);
    let (username, email, first_name, last_name, password, confirm) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let sending = Sending::new();
    let register = move |account: NewAccount| {
        let navigate = navigate.clone();
        sending.start(async move {
            match api.get().register(&account).await {
                // Active at once when the server sends no activation e-mail: straight to sign-in.
                Ok(user) if user.is_active => {
                    navigate(
                        &routes::sign_in_then(&Page::Profile.path(), Some(Notice::Activated)),
                        NavigateOptions::default(),
                    );
                }
                Ok(_) => {
                    let to = format!("{}?email={}", Page::CheckEmail.path(), routes::encode(&account.email));
                    navigate(&to, NavigateOptions::default());
                }
                Err(error) => form.fail(error),
            }
        });
    };
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let problems = Problems::new()
            .required("username", &username.get())
            .required("email", &email.get())
            .email("email", &email.get())
            .new_password("password", &password.get())
            .confirms("confirm_password", &password.get(), &confirm.get());
        if form.checked(problems) {
            register(NewAccount {
                username: username.get().trim().to_owned(),
                email: email.get().trim().to_owned(),
                first_name: first_name.get().trim().to_owned(),
                last_name: last_name.get().trim().to_owned(),
                password: password.get(),
            });
        }
    };
    view! {
        <section class="card">
            <h1>"Create your account"</h1>
            <p class="lead">"If this site asks you to confirm your e-mail address, we will send you a link to activate your account."</p>
            <form on:submit=on_submit novalidate>
                <Alert messages=form.general()/>
                <Field label="Username" name="username" value=username errors=form.field("username") autocomplete="username" required=true/>
                <Field label="Email" name="email" kind="email" value=email errors=form.field("email") autocomplete="email" required=true/>
                <div class="row">
                    <Field label="First name" name="first_name" value=first_name errors=form.field("first_name") autocomplete="given-name"/>
                    <Field label="Last name" name="last_name" value=last_name errors=form.field("last_name") autocomplete="family-name"/>
                </div>
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    value=password
                    errors=form.field("password")
                    autocomplete="new-password"
                    required=true
                    hint="At least 8 characters, not too common, not all digits, and not like your name."
                />
                <Field label="Confirm password" name="confirm_password" kind="password" value=confirm errors=form.field("confirm_password") autocomplete="new-password" required=true/>
                <Submit label="Sign up" busy="Creating your account…" pending=sending.pending()/>
            </form>
            <ProviderButtons/>
            <p class="aside">"Already have an account? " <A href=Page::SignIn.path()>"Go to the sign-in page"</A></p>
        </section>
    }
}
