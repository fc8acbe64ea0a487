//! The pages that send a link to an e-mail address on request: a forgotten password, a
//! forgotten username and a new activation link. They differ only in their words and in the
//! request they send, so one component shows all three.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::{ApiError, Client};
use crate::auth::use_api;
use crate::components::{Alert, Field, FormState, Notices, Submit};
use crate::routes::Page;
use crate::task::Sending;
use crate::validation::Problems;

/// A link the server e-mails on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emailed {
    Activation,
    PasswordReset,
    UsernameReset,
}

impl Emailed {
    fn heading(self) -> &'static str {
        match self {
            Emailed::Activation => "Resend activation e-mail",
            Emailed::PasswordReset => "Forgot your password?",
            Emailed::UsernameReset => "Forgot your username?",
        }
    }

    fn lead(self) -> &'static str {
        match self {
            Emailed::Activation => "Enter the address you signed up with and we will send a new activation link.",
            Emailed::PasswordReset => {
                "Enter your account's e-mail address and we will send you a link to choose a new password."
            }
            Emailed::UsernameReset => {
                "Enter your account's e-mail address and we will send you a link to choose a new username."
            }
        }
    }

    fn button(self) -> &'static str {
        match self {
            Emailed::Activation => "Resend activation e-mail",
            Emailed::PasswordReset | Emailed::UsernameReset => "Send reset link",
        }
    }

    /// The card's classes: the activation page is as wide as the other activation pages.
    fn card(self) -> &'static str {
        match self {
            Emailed::Activation => "card",
            Emailed::PasswordReset | Emailed::UsernameReset => "card narrow",
        }
    }

    /// What the page says once the server took the request. The server answers alike whether
    /// or not an account uses the address, and so does the page.
    fn sent(self, address: &str) -> String {
        match self {
            Emailed::Activation => {
                "If that account is waiting for activation, a new link is on its way. It can take a minute to arrive."
                    .to_owned()
            }
            Emailed::PasswordReset | Emailed::UsernameReset => format!(
                "If an account uses {address}, we sent it a link. It can take a minute to arrive; check your spam folder too."
            ),
        }
    }

    async fn request(self, client: Client, address: &str) -> Result<(), ApiError> {
        match self {
            Emailed::Activation => client.resend_activation(address).await,
            Emailed::PasswordReset => client.forgot_password(address).await,
            Emailed::UsernameReset => client.forgot_username(address).await,
        }
    }
}

/// A form that asks for `link`: its error, what it says once sent, whether it is being sent,
/// and what sends it to an address.
pub(crate) fn link_sender(link: Emailed) -> (FormState, RwSignal<Vec<String>>, Sending, impl Fn(String) + Copy) {
    let api = use_api();
    let form = FormState::new(&["email"]);
    let sent = RwSignal::new(Vec::<String>::new());
    let sending = Sending::new();
    let send = move |address: String| {
        sending.start(async move {
            match link.request(api.get(), &address).await {
                Ok(()) => sent.set(vec![link.sent(&address)]),
                Err(error) => form.fail(error),
            }
        })
    };
    (form, sent, sending, send)
}

/// The page that asks for `link` to be sent to the address typed in (or given as `?email=`).
#[component]
pub fn AskForLinkPage(link: Emailed) -> impl IntoView {
    let query = use_query_map();
    let email = RwSignal::new(query.with_untracked(|q| q.get("email")).unwrap_or_default());
    let (form, sent, sending, send) = link_sender(link);
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        sent.set(Vec::new());
        let value = email.get().trim().to_owned();
        if form.checked(Problems::new().required("email", &value).email("email", &value)) {
            send(value);
        }
    };
    view! {
        <section class=link.card()>
            <h1>{link.heading()}</h1>
            <p class="lead">{link.lead()}</p>
            <form on:submit=on_submit novalidate>
                <Alert messages=form.general()/>
                <Notices messages=sent/>
                <Field label="Email" name="email" kind="email" value=email errors=form.field("email") autocomplete="email" required=true/>
                <Submit label=link.button() busy="Sending…" pending=sending.pending()/>
            </form>
            <p class="aside"><A href=Page::SignIn.path()>"Back to the sign-in page"</A></p>
        </section>
    }
}
