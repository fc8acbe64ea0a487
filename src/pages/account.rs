//! The signed-in person's own account: profile, deletion, password and username. The route
//! table marks these pages as needing a signed-in person, so they are only built for one.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::{changes_email, ProfileChange, User};
use crate::auth::{use_api, use_auth, Status};
use crate::components::{focus_by_id, Alert, Field, FormState, Notices, Submit};
use crate::notice::Notice;
use crate::pages::providers::ConnectedAccounts;
use crate::routes::Page;
use crate::task::Sending;
use crate::validation::Problems;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let auth = use_auth();
    // The form is built once per person: saving updates the user without resetting the form.
    let person = Memo::new(move |_| auth.user.with(|user| user.as_ref().map(|user| user.id)));
    // Signed in, and yet no account: the server could not be reached when it was asked.
    let unreachable = move || person.get().is_none() && auth.status.get() == Status::SignedIn;
    move || match person.get().and_then(|_| auth.user.get_untracked()) {
        Some(user) => view! { <ProfileForm user=user/> <ConnectedAccounts/> <DeleteAccount/> }.into_any(),
        None => view! { <Show when=unreachable><AccountNotLoaded/></Show> }.into_any(),
    }
}

/// The profile page when the account could not be read: says so, and asks again on request.
#[component]
fn AccountNotLoaded() -> impl IntoView {
    let (api, auth) = (use_api(), use_auth());
    view! {
        <section class="card">
            <h1>"Your profile"</h1>
            <div class="alert" role="alert">
                <p>"Your account could not be loaded: the server did not answer. Check your connection, then try again."</p>
            </div>
            <button type="button" on:click=move |_| auth.reload(api)>"Try again"</button>
        </section>
    }
}

#[component]
fn ProfileForm(user: User) -> impl IntoView {
    let api = use_api();
    let auth = use_auth();
    let form = FormState::new(&["first_name", "last_name", "email", "current_password"]);
    let saved = RwSignal::new(Vec::<String>::new());
    let first_name = RwSignal::new(user.first_name.clone());
    let last_name = RwSignal::new(user.last_name.clone());
    let email = RwSignal::new(user.email.clone());
    let password = RwSignal::new(String::new());
    // The address the account has now, which a saved change that keeps the account active moves.
    let current_email = RwSignal::new(user.email.clone());
    let email_changes = move || current_email.with(|current| email.with(|typed| changes_email(current, typed)));
    let sending = Sending::new();
    let save = move |change: ProfileChange| {
        let moved = change.changes_email_of(&current_email.get_untracked());
        sending.start(async move {
            match api.get().update_me(&change).await {
                Ok(user) if moved && !user.is_active => {
                    // The account waits for the new address to be confirmed: its tokens no longer work.
                    auth.ending(Notice::EmailChanged);
                    api.get().sign_out().await;
                }
                Ok(user) => {
                    password.set(String::new());
                    current_email.set(user.email.clone());
                    auth.user.set(Some(user));
                    let message = if moved { EMAIL_MOVED } else { "Your profile was saved." };
                    saved.set(vec![message.to_owned()]);
                }
                Err(error) => form.fail(error),
            }
        })
    };
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        saved.set(Vec::new());
        let mut problems = Problems::new().required("email", &email.get()).email("email", &email.get());
        if email_changes() {
            problems = problems.required("current_password", &password.get());
        }
        if form.checked(problems) {
            save(ProfileChange::from_form(
                &first_name.get(),
                &last_name.get(),
                &email.get(),
                &password.get(),
                &current_email.get(),
            ));
        }
    };
    view! {
        <section class="card">
            <h1>"Your profile"</h1>
            <dl class="facts">
                <dt>"Username"</dt>
                <dd data-testid="profile-username">{user.username.clone()}</dd>
                <dt>"Account"</dt>
                <dd>{if user.is_active { "Active" } else { "Waiting for e-mail confirmation" }}</dd>
            </dl>
            <form on:submit=on_submit novalidate>
                <Alert messages=form.general()/>
                <Notices messages=saved/>
                <div class="row">
                    <Field label="First name" name="first_name" value=first_name errors=form.field("first_name") autocomplete="given-name"/>
                    <Field label="Last name" name="last_name" value=last_name errors=form.field("last_name") autocomplete="family-name"/>
                </div>
                <Field label="Email" name="email" kind="email" value=email errors=form.field("email") autocomplete="email" required=true/>
                <Show when=email_changes>
                    <Field label="Current password" name="current_password" id="field-email-password" kind="password" value=password errors=form.field("current_password") autocomplete="current-password" required=true hint="Your password confirms a change of e-mail address."/>
                    <p class="warning">
                        "Changing your e-mail address signs you out. Your account stays paused until you open the link we send to the new address. We also tell your old address about the change."
                    </p>
                </Show>
                <Submit label="Save changes" busy="Saving…" pending=sending.pending()/>
            </form>
            <ul class="aside links-list">
                <li><A href=Page::ChangePassword.path()>"Change password"</A></li>
                <li><A href=Page::ChangeUsername.path()>"Change username"</A></li>
                <li><A href=Page::Sessions.path()>"Sessions"</A></li>
                <li><A href=Page::Activity.path()>"Recent activity"</A></li>
                <li><A href=Page::Security.path()>"Security: second factors and passkeys"</A></li>
            </ul>
        </section>
    }
}

/// What the profile says after a new e-mail address was saved and the account stayed active.
const EMAIL_MOVED: &str =
    "Your profile was saved. We told your old e-mail address about the change, with a link that takes it back.";

#[component]
fn DeleteAccount() -> impl IntoView {
    let api = use_api();
    let auth = use_auth();
    let confirming = RwSignal::new(false);
    let password = RwSignal::new(String::new());
    let form = FormState::new(&["current_password"]);
    let sending = Sending::new();
    let delete = move |password: String| {
        sending.start(async move {
            auth.ending(Notice::AccountDeleted);
            if let Err(error) = api.get().delete_me(&password).await {
                auth.reason.set(None);
                form.fail(error);
            }
        })
    };
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if form.checked(Problems::new().required("current_password", &password.get())) {
            delete(password.get());
        }
    };
    let cancel = move |_| {
        confirming.set(false);
        password.set(String::new());
        form.clear();
        focus_by_id("delete-account");
    };
    // The button pressed gives way to the question, which takes the keyboard's focus.
    let ask = move |_| {
        confirming.set(true);
        focus_by_id("delete-question");
    };
    view! {
        <section class="card danger-zone" aria-labelledby="delete-heading">
            <h2 id="delete-heading">"Delete your account"</h2>
            <Show
                when=move || confirming.get()
                fallback=move || {
                    view! {
                        <p>"This removes your account and everything it holds. It cannot be undone."</p>
                        <button type="button" id="delete-account" class="danger" on:click=ask>"Delete account"</button>
                    }
                }
            >
                <form on:submit=on_submit novalidate>
                    <p class="warning" id="delete-question" tabindex="-1">"Are you sure? Your account will be deleted for good. Enter your password to confirm."</p>
                    <Alert messages=form.general()/>
                    <Field label="Current password" name="current_password" kind="password" value=password errors=form.field("current_password") autocomplete="current-password" required=true/>
                    <div class="actions">
                        <Submit label="Delete account" busy="Deleting…" pending=sending.pending() class="danger"/>
                        <button type="button" class="secondary" on:click=cancel>"Cancel"</button>
                    </div>
                </form>
            </Show>
        </section>
    }
}

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let api = use_api();
    let form = FormState::new(&["current_password", "new_password", "confirm_password"]);
    let done = RwSignal::new(Vec::<String>::new());
    let (current, new, confirm) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let sending = Sending::new();
    let change = move |old: String, new_one: String| {
        sending.start(async move {
            match api.get().set_password(&old, &new_one).await {
                Ok(()) => {
                    current.set(String::new());
                    new.set(String::new());
                    confirm.set(String::new());
                    done.set(vec![
                        "Your password was changed. You were signed out on every other device, and we sent a confirmation to your e-mail address.".to_owned()
                    ]);
                }
                Err(error) => form.fail(error),
            }
        })
    };
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        done.set(Vec::new());
        let problems = Problems::new()
            .required("current_password", &current.get())
            .new_password("new_password", &new.get())
            .confirms("confirm_password", &new.get(), &confirm.get());
        if form.checked(problems) {
            change(current.get(), new.get());
        }
    };
    view! {
        <section class="card narrow">
            <h1>"Change your password"</h1>
            <form on:submit=on_submit novalidate>
                <Alert messages=form.general()/>
                <Notices messages=done/>
                <Field label="Current password" name="current_password" kind="password" value=current errors=form.field("current_password") autocomplete="current-password" required=true/>
                <Field label="New password" name="new_password" kind="password" value=new errors=form.field("new_password") autocomplete="new-password" required=true hint="At least 8 characters, not too common, not all digits."/>
                <Field label="Confirm password" name="confirm_password" kind="password" value=confirm errors=form.field("confirm_password") autocomplete="new-password" required=true/>
                <Submit label="Change password" busy="Changing…" pending=sending.pending()/>
            </form>
            <p class="aside"><A href=Page::Profile.path()>"Back to your profile"</A></p>
        </section>
    }
}

#[component]
pub fn ChangeUsernamePage() -> impl IntoView {
    let api = use_api();
    let auth = use_auth();
    let form = FormState::new(&["current_password", "new_username"]);
    let done = RwSignal::new(Vec::<String>::new());
    let (password, username) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let sending = Sending::new();
    let change = move |secret: String, name: String| {
        sending.start(async move {
            match api.get().set_username(&secret, &name).await {
                Ok(()) => {
                    password.set(String::new());
                    username.set(String::new());
                    done.set(vec![format!("Your username is now {name}. Use it the next time you sign in.")]);
                    auth.reload(api);
                }
                Err(error) => form.fail(error),
            }
        })
    };
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        done.set(Vec::new());
        let problems =
            Problems::new().required("current_password", &password.get()).required("new_username", &username.get());
        if form.checked(problems) {
            change(password.get(), username.get().trim().to_owned());
        }
    };
    view! {
        <section class="card narrow">
            <h1>"Change your username"</h1>
            <form on:submit=on_submit novalidate>
                <Alert messages=form.general()/>
                <Notices messages=done/>
                <Field label="Current password" name="current_password" kind="password" value=password errors=form.field("current_password") autocomplete="current-password" required=true/>
                <Field label="New username" name="new_username" value=username errors=form.field("new_username") autocomplete="username" required=true/>
                <Submit label="Change username" busy="Changing…" pending=sending.pending()/>
            </form>
            <p class="aside"><A href=Page::Profile.path()>"Back to your profile"</A></p>
        </section>
    }
}
