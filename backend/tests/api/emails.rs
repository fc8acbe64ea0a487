use gatehouse::auth::reset_tokens::encode_uid;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, TestApp, FRONTEND_URL, GOOD_PASSWORD};
use crate::processes::SmtpServer;

async fn register(app: &TestApp, username: &str) {
    app.post(
        "/auth/users/",
        json!({"username": username, "email": format!("{username}@example.com"), "password": GOOD_PASSWORD}),
    )
    .await
    .assert_status(201);
}

#[tokio::test]
async fn the_activation_e_mail_is_multipart_from_the_default_sender_with_djoser_s_text() {
    let app = spawn_app().await;
    register(&app, "alice").await;
    let email = app.last_email_to("alice@example.com").await;
    let link = email.link();
    let user_id = app.store.find_user_by_username("alice").await.unwrap().unwrap().id;

    assert_eq!(email.content_type, "multipart/alternative");
    assert_eq!(email.from, "webmaster@localhost");
    assert_eq!(email.subject, "Account activation on Gatehouse");
    assert!(link.starts_with(&format!("{FRONTEND_URL}/activate/{}/", encode_uid(user_id))), "{link}");
    assert_eq!(
        email.text.replace("\r\n", "\n").trim_end(),
        format!(
            "You're receiving this email because you need to finish activation process on Gatehouse.\n\n\
             Please go to the following page to activate account:\n{link}\n\n\
             Thanks for using our site!\n\nThe Gatehouse team"
        )
    );
    assert!(email.html.contains(&format!("<a href=\"{link}\">{link}</a>")), "{}", email.html);
}

#[tokio::test]
async fn every_e_mail_has_its_subject_and_text() {
    let app = spawn_app_with(&[("SITE_NAME", "Tom & Jerry's")]).await;
    let site = "Tom &amp; Jerry&#x27;s";
    register(&app, "alice").await;
    let activation = app.last_email_to("alice@example.com").await;
    assert_eq!(activation.subject, format!("Account activation on {site}"));
    let (uid, token) = activation.uid_and_token();
    app.post("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);
    let confirmation = app.last_email_to("alice@example.com").await;
    assert_eq!(confirmation.subject, format!("{site} - Your account has been successfully created and activated!"));
    assert!(confirmation.text.contains("Your account has been created and is ready to use!"));
    assert!(confirmation.text.contains(&format!("The {site} team")));

    app.post("/auth/users/reset_password/", json!({"email": "alice@example.com"})).await.assert_status(204);
    let reset = app.last_email_to("alice@example.com").await;
    assert_eq!(reset.subject, format!("Password reset on {site}"));
    assert!(reset.text.contains(&format!(
        "You're receiving this email because you requested a password reset for your user account at {site}."
    )));
    assert!(reset.text.contains("Please go to the following page and choose a new password:"));
    assert!(reset.text.contains("Your username, in case you've forgotten: alice"));
    assert!(reset.html.contains("<b>alice</b>"));

    app.post("/auth/users/reset_username/", json!({"email": "alice@example.com"})).await.assert_status(204);
    let username_reset = app.last_email_to("alice@example.com").await;
    assert_eq!(username_reset.subject, format!("Username reset on {site}"));
    assert!(username_reset.text.contains("requested a username reset"));
    assert!(username_reset.text.contains("Please go to the following page and choose a new username:"));

    let (access, _) = app.login("alice", GOOD_PASSWORD).await;
    app.post_authed(
        "/auth/users/set_password/",
        &access,
        json!({"new_password": "Changed-Passw0rd", "current_password": GOOD_PASSWORD}),
    )
    .await
    .assert_status(204);
    let changed = app.last_email_to("alice@example.com").await;
    assert_eq!(changed.subject, format!("{site} - Your password has been successfully changed!"));
    assert!(changed.text.contains("Your password has been changed!"));

    app.post_authed(
        "/auth/users/set_username/",
        &access,
        json!({"new_username": "alice2", "current_password": "Changed-Passw0rd"}),
    )
    .await
    .assert_status(204);
    let renamed = app.last_email_to("alice@example.com").await;
    assert_eq!(renamed.subject, format!("{site} - Your username has been successfully changed!"));
    assert!(renamed.text.contains("Your username has been changed!"));
}

#[tokio::test]
async fn an_account_without_an_email_address_gets_no_mail_and_no_error() {
    let app = spawn_app().await;
    app.post("/auth/users/", json!({"username": "quiet", "password": GOOD_PASSWORD})).await.assert_status(201);
    assert!(app.emails().await.is_empty());
}

#[tokio::test]
async fn a_failed_delivery_still_creates_the_account() {
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("smtp://127.0.0.1:{closed_port}");
    let app = spawn_app_with(&[("EMAIL_BACKEND", "smtp"), ("SMTP_URL", &url)]).await;
    register(&app, "alice").await;
    let user = app.store.find_user_by_username("alice").await.unwrap().expect("the account exists");
    assert!(!user.is_active);
}

#[tokio::test]
async fn smtp_delivery_reaches_a_real_server_with_authentication() {
    let smtp = SmtpServer::start(crate::processes::free_port());
    let url = format!("smtp://mailer:s3cret@127.0.0.1:{}", smtp.port);
    let app = spawn_app_with(&[
        ("EMAIL_BACKEND", "smtp"),
        ("SMTP_URL", &url),
        ("DEFAULT_FROM_EMAIL", "accounts@gatehouse.test"),
    ])
    .await;

    register(&app, "alice").await;
    app.settle_emails().await;

    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    let raw = &messages[0];
    let parsed = mail_parser::MessageParser::default().parse(raw.as_bytes()).unwrap();
    assert!(raw.starts_with("X-Envelope-From: accounts@gatehouse.test\r\nX-Envelope-To: alice@example.com\r\n"));
    assert_eq!(parsed.subject(), Some("Account activation on Gatehouse"));
    assert_eq!(parsed.from().unwrap().first().unwrap().address(), Some("accounts@gatehouse.test"));
    assert_eq!(parsed.to().unwrap().first().unwrap().address(), Some("alice@example.com"));
    let text = parsed.body_text(0).unwrap();
    let html = parsed.body_html(0).unwrap();
    let link = text.split_whitespace().find(|w| w.starts_with("http")).unwrap().to_owned();
    assert!(link.starts_with(&format!("{FRONTEND_URL}/activate/")));
    assert!(html.contains(&format!("href=\"{link}\"")));

    let mut parts = link.rsplit('/');
    let (token, uid) = (parts.next().unwrap(), parts.next().unwrap());
    app.post("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);
    app.settle_emails().await;
    assert_eq!(smtp.messages().len(), 2, "the confirmation follows the activation");
}

#[tokio::test]
async fn a_templates_folder_replaces_the_built_in_text() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("activation.txt"), "Welcome to {site_name}, {username}\n\nOpen {link}\n").unwrap();
    let app = spawn_app_with(&[("EMAIL_TEMPLATES_DIR", dir.path().to_str().unwrap())]).await;
    register(&app, "alice").await;
    let email = app.last_email_to("alice@example.com").await;
    assert_eq!(email.subject, "Welcome to Gatehouse, alice");
    assert!(email.text.starts_with(&format!("Open {FRONTEND_URL}/activate/")));
}

#[tokio::test]
async fn the_outbox_backend_writes_an_eml_file_and_logs_its_subject_and_recipient() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let database = crate::helpers::TestDatabase::create(dir.path()).await;
    let server = crate::processes::Server::start(
        dir.path(),
        &[("DATABASE_URL", &database.url), ("EMAIL_OUTBOX_DIR", outbox.to_str().unwrap())],
    );
    let answer = TestApp::read(
        reqwest::Client::new()
            .post(format!("{}/auth/users/", server.url))
            .json(&json!({"username": "alice", "email": "alice@example.com", "password": GOOD_PASSWORD})),
    )
    .await;
    answer.assert_status(201);
    server.wait_for_log(&["e-mail sent", "alice@example.com", "Account activation on Gatehouse"]).await;
    let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().map(|entry| entry.unwrap().path()).collect();
    assert_eq!(files.len(), 1);
    assert!(files[0].extension().is_some_and(|ext| ext == "eml"));
}

/// `link` with its uid and token put back as `{uid}` and `{token}`, relative to the frontend.
fn shape_of(link: &str, uid: &str, token: &str) -> String {
    let path = link.strip_prefix(&format!("{FRONTEND_URL}/")).unwrap_or_else(|| panic!("{link} is on the frontend"));
    path.replace(uid, "{uid}").replace(token, "{token}")
}

#[tokio::test]
async fn e_mailed_links_open_the_pages_the_browser_app_declares_for_them() {
    let app = spawn_app().await;
    register(&app, "alice").await;
    let activation = app.last_email_to("alice@example.com").await;
    let (uid, token) = activation.uid_and_token();
    assert_eq!(shape_of(&activation.link(), &uid, &token), crate::app_links::ACTIVATION);
    app.post("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);
    app.settle_emails().await;

    app.post("/auth/users/reset_password/", json!({"email": "alice@example.com"})).await.assert_status(204);
    let reset = app.last_email_to("alice@example.com").await;
    let (uid, token) = reset.uid_and_token();
    assert_eq!(shape_of(&reset.link(), &uid, &token), crate::app_links::PASSWORD_RESET_CONFIRM);

    app.post("/auth/users/reset_username/", json!({"email": "alice@example.com"})).await.assert_status(204);
    let reset = app.last_email_to("alice@example.com").await;
    let (uid, token) = reset.uid_and_token();
    assert_eq!(shape_of(&reset.link(), &uid, &token), crate::app_links::USERNAME_RESET_CONFIRM);
}

#[test]
fn the_servers_default_link_settings_are_the_browser_apps_link_shapes() {
    use gatehouse::configuration as settings;
    assert_eq!(settings::DEFAULT_ACTIVATION_URL, crate::app_links::ACTIVATION);
    assert_eq!(settings::DEFAULT_PASSWORD_RESET_CONFIRM_URL, crate::app_links::PASSWORD_RESET_CONFIRM);
    assert_eq!(settings::DEFAULT_USERNAME_RESET_CONFIRM_URL, crate::app_links::USERNAME_RESET_CONFIRM);
    assert_eq!(settings::DEFAULT_EMAIL_REVERT_URL, crate::app_links::EMAIL_REVERT);
}

#[tokio::test]
async fn a_delivered_message_no_longer_keeps_its_link() {
    let app = spawn_app().await;
    register(&app, "alice").await;
    app.settle_emails().await;
    let database = app.database().await;
    let kept: Vec<(String, String, String)> =
        sqlx::query_as("SELECT status, subject, message FROM gatehouse_email_outbox")
            .fetch_all(&database)
            .await
            .unwrap();
    assert_eq!(kept, vec![("sent".to_owned(), "Account activation on Gatehouse".to_owned(), String::new())]);
}
