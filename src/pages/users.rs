//! The users list and one user's page. Staff see everyone; anyone else sees only themselves.
//! The route table marks both pages as needing a signed-in person.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::User;
use crate::auth::use_api;
use crate::components::Alert;
use crate::routes::Page;
use crate::task;

#[component]
pub fn UsersPage() -> impl IntoView {
    let api = use_api();
    let client = api.get();
    let users = task::load(async move { client.users().await });
    view! {
        <section class="card wide">
            <h1>"Users"</h1>
            {move || match users.get() {
                None => view! { <p class="loading" role="status">"Loading users…"</p> }.into_any(),
                Some(Err(error)) => view! { <Alert messages=error.general(&[])/> }.into_any(),
                Some(Ok(list)) => view! { <UsersTable users=list/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn UsersTable(users: Vec<User>) -> impl IntoView {
    let count = users.len();
    view! {
        <p class="lead">{if count == 1 { "1 account".to_owned() } else { format!("{count} accounts") }}</p>
        <div class="table-wrap">
            <table>
                <thead>
                    <tr>
                        <th scope="col">"Username"</th>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Status"</th>
                    </tr>
                </thead>
                <tbody>
                    {users
                        .into_iter()
                        .map(|user| {
                            let name = format!("{} {}", user.first_name, user.last_name).trim().to_owned();
                            let status = status_text(&user);
                            let href = Page::User { id: Some(user.id) }.path();
                            view! {
                                <tr>
                                    <td><span class="cell-label" aria-hidden="true">"Username"</span><A href=href>{user.username}</A></td>
                                    <td><span class="cell-label" aria-hidden="true">"Name"</span>{name}</td>
                                    <td><span class="cell-label" aria-hidden="true">"Email"</span>{user.email}</td>
                                    <td><span class="cell-label" aria-hidden="true">"Status"</span>{status}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

fn status_text(user: &User) -> &'static str {
    if user.is_active {
        "Active"
    } else {
        "Not activated"
    }
}

/// One user's page; `id` is `None` when the address holds no number.
#[component]
pub fn UserPage(id: Option<u64>) -> impl IntoView {
    let client = use_api().get();
    let user = task::load(async move {
        match id {
            Some(id) => client.user(id).await.map(Some),
            None => Ok(None),
        }
    });
    view! {
        <section class="card">
            {move || match user.get() {
                None => view! { <p class="loading" role="status">"Loading…"</p> }.into_any(),
                Some(Ok(None)) => view! {
                    <h1>"User not found"</h1>
                    <p>"There is no user at this address."</p>
                }.into_any(),
                Some(Err(error)) => view! {
                    <h1>"User"</h1>
                    <Alert messages=error.general(&[])/>
                }.into_any(),
                Some(Ok(Some(user))) => view! {
                    <h1>{user.username.clone()}</h1>
                    <dl class="facts">
                        <dt>"Username"</dt><dd>{user.username.clone()}</dd>
                        <dt>"First name"</dt><dd>{user.first_name.clone()}</dd>
                        <dt>"Last name"</dt><dd>{user.last_name.clone()}</dd>
                        <dt>"Email"</dt><dd>{user.email.clone()}</dd>
                        <dt>"Status"</dt><dd>{status_text(&user)}</dd>
                        <dt>"Id"</dt><dd>{user.id}</dd>
                    </dl>
                }.into_any(),
            }}
            <p class="aside"><A href=Page::Users.path()>"All users"</A></p>
        </section>
    }
}
