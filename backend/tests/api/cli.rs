//! The `gatehouse` binary itself: zero-configuration start, production refusal, superusers.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_gatehouse");

fn clean_command(dir: &std::path::Path) -> Command {
    let mut command = Command::new(BINARY);
    command.current_dir(dir).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    command
}

#[test]
fn production_refuses_to_start_without_a_secret_key() {
    let dir = tempfile::tempdir().unwrap();
    let output = clean_command(dir.path()).env("GATEHOUSE_ENVIRONMENT", "production").arg("migrate").output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("GATEHOUSE_SECRET_KEY"), "{stderr}");

    let output = clean_command(dir.path())
        .env("GATEHOUSE_ENVIRONMENT", "production")
        .env("GATEHOUSE_SECRET_KEY", "too-short")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 50 characters"));
}

/// `migrate` in production with a good configuration but `name` set to `value`.
fn production_with(dir: &std::path::Path, name: &str, value: &str) -> std::process::Output {
    let mut command = clean_command(dir);
    command
        .env("GATEHOUSE_ENVIRONMENT", "production")
        .env("GATEHOUSE_SECRET_KEY", PRODUCTION_KEY)
        .env("GATEHOUSE_EMAIL_BACKEND", "smtp")
        .env("GATEHOUSE_SMTP_URL", "smtps://mailer:pass@smtp.example.com")
        .env("GATEHOUSE_FRONTEND_URL", "https://accounts.example.com")
        .env("NO_COLOR", "1")
        .env(name, value);
    command.arg("migrate").output().unwrap()
}

const PRODUCTION_KEY: &str = "q8Zr-2mVx7Lp0sWd4Nf9Kc1Tg6Hb3Jy5Re8Ua2Oi7Pl0Xz4Cv9Bn";

#[test]
fn production_refuses_the_secret_keys_djangos_deployment_check_refuses() {
    let dir = tempfile::tempdir().unwrap();
    assert!(production_with(dir.path(), "GATEHOUSE_LOG", "warn").status.success());
    for weak in [
        "a".repeat(64),
        "abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd".to_owned(),
        "django-insecure-q8Zr-2mVx7Lp0sWd4Nf9Kc1Tg6Hb3Jy5Re8Ua2Oi7Pl0Xz4Cv9Bn".to_owned(),
        "q8Zr-2mVx7Lp0sWd4Nf9Kc1Tg6Hb3Jy5Re8Ua".to_owned(),
    ] {
        let output = production_with(dir.path(), "GATEHOUSE_SECRET_KEY", &weak);
        assert!(!output.status.success(), "{weak} was accepted");
        assert!(String::from_utf8_lossy(&output.stderr).contains("GATEHOUSE_SECRET_KEY"), "{weak}");
    }
}

#[test]
fn production_refuses_smtp_credentials_sent_unencrypted_to_another_host() {
    let dir = tempfile::tempdir().unwrap();
    let output = production_with(dir.path(), "GATEHOUSE_SMTP_URL", "smtp://mailer:pass@smtp.example.com:587");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("GATEHOUSE_SMTP_URL"));
    for fine in [
        "smtp://mailer:pass@smtp.example.com:587?tls=required",
        "smtps://mailer:pass@smtp.example.com",
        "smtp://mailer:pass@127.0.0.1:25",
    ] {
        let output = production_with(dir.path(), "GATEHOUSE_SMTP_URL", fine);
        assert!(output.status.success(), "{fine}: {}", String::from_utf8_lossy(&output.stderr));
    }
}

#[test]
fn production_warns_about_each_weakening_setting_by_name() {
    let dir = tempfile::tempdir().unwrap();
    for (name, value) in [
        ("GATEHOUSE_THROTTLE", "false"),
        ("GATEHOUSE_PASSWORD_RESET_SHOW_EMAIL_NOT_FOUND", "true"),
        ("GATEHOUSE_USERNAME_RESET_SHOW_EMAIL_NOT_FOUND", "true"),
        ("GATEHOUSE_ACCESS_TOKEN_LIFETIME", "31536000"),
        ("GATEHOUSE_SMTP_URL", "smtp://127.0.0.1:25"),
    ] {
        let output = production_with(dir.path(), name, value);
        assert!(output.status.success());
        let log = String::from_utf8_lossy(&output.stdout);
        let warning = log.lines().find(|line| line.contains("WARN") && line.contains(name));
        assert!(warning.is_some(), "no warning naming {name}: {log}");
    }
    let quiet = production_with(dir.path(), "GATEHOUSE_LOG", "info");
    assert!(!String::from_utf8_lossy(&quiet.stdout).contains("WARN"), "a good configuration is quiet");
}

#[test]
fn a_dj_database_url_absolute_sqlite_url_opens_that_file_and_start_up_says_it_created_it() {
    let work = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let file = elsewhere.path().join("db.sqlite3");
    let url = format!("sqlite:///{}", file.display());
    assert!(url.starts_with("sqlite:////"), "{url}");
    let migrate = || {
        let output = clean_command(work.path())
            .env("GATEHOUSE_DATABASE_URL", &url)
            .env("NO_COLOR", "1")
            .arg("migrate")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };

    let first = migrate();
    let created = first.lines().find(|line| line.contains("created a new, empty SQLite database"));
    assert!(created.is_some_and(|line| line.contains(&file.display().to_string())), "{first}");
    assert!(file.exists());
    assert!(!work.path().join("tmp").exists(), "nothing was created under the working directory");

    let second = migrate();
    assert!(second.contains("opening the SQLite database") && !second.contains("created a new"), "{second}");
}

#[test]
fn a_bad_setting_stops_start_up_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let output =
        clean_command(dir.path()).env("GATEHOUSE_ACCESS_TOKEN_LIFETIME", "soon").arg("migrate").output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("GATEHOUSE_ACCESS_TOKEN_LIFETIME") && stderr.contains("seconds"), "{stderr}");
}

#[test]
fn an_unknown_password_hasher_stops_start_up_naming_the_choices() {
    let dir = tempfile::tempdir().unwrap();
    let output = clean_command(dir.path()).env("GATEHOUSE_PASSWORD_HASHER", "md5").arg("migrate").output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("GATEHOUSE_PASSWORD_HASHER: expected argon2, pbkdf2_sha256 or follow"), "{stderr}");
}

#[test]
fn a_misconfigured_identity_provider_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = |pairs: &[(&str, &str)]| {
        let mut command = clean_command(dir.path());
        command.envs(pairs.iter().copied());
        let output = command.arg("migrate").output().unwrap();
        assert!(!output.status.success(), "{pairs:?} started");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let no_secret =
        run(&[("GATEHOUSE_OIDC_ACME_CLIENT_ID", "acme"), ("GATEHOUSE_OIDC_ACME_ISSUER", "https://a.example")]);
    assert!(
        no_secret.contains("GATEHOUSE_OIDC_ACME_CLIENT_SECRET: required for the identity provider \"acme\""),
        "{no_secret}"
    );
    let no_issuer = run(&[("GATEHOUSE_OIDC_ACME_CLIENT_ID", "acme"), ("GATEHOUSE_OIDC_ACME_CLIENT_SECRET", "s")]);
    assert!(no_issuer.contains("GATEHOUSE_OIDC_ACME_ISSUER: required"), "{no_issuer}");
}

/// Starts `gatehouse serve` with no configuration in `dir` on a free port; returns the process,
/// its log from the line after the one that names the port, and the port.
fn serve_in(dir: &std::path::Path) -> (std::process::Child, BufReader<std::process::ChildStdout>, String) {
    let (child, stdout, listening) = serve_in_with(dir, &[]);
    let port = port_in(&listening).to_owned();
    (child, stdout, port)
}

/// The port named in the line that says where the server listens.
fn port_in(listening: &str) -> &str {
    listening.split("port=").nth(1).and_then(|rest| rest.split_whitespace().next()).unwrap()
}

/// [`serve_in`] with `settings` besides; returns the line that says where it listens.
fn serve_in_with(
    dir: &std::path::Path,
    settings: &[(&str, &str)],
) -> (std::process::Child, BufReader<std::process::ChildStdout>, String) {
    let mut child = clean_command(dir)
        .env("GATEHOUSE_BIND", "127.0.0.1:0")
        .env("NO_COLOR", "1")
        .envs(settings.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap() > 0 {
        if line.contains("Gatehouse is listening") {
            return (child, stdout, line);
        }
        line.clear();
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not say where it listens");
}

#[tokio::test]
async fn with_no_configuration_it_serves_on_a_sqlite_file_with_a_kept_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, _log, port) = serve_in(dir.path());
    let answer = reqwest::get(format!("http://127.0.0.1:{port}/auth/")).await.unwrap();
    assert_eq!(answer.status(), 200);
    child.kill().unwrap();
    child.wait().unwrap();

    assert!(dir.path().join("data/gatehouse.db").exists());
    let secret = std::fs::read_to_string(dir.path().join("data/secret_key")).unwrap();
    assert!(secret.len() >= 50);
    // A second start keeps the same secret.
    clean_command(dir.path()).arg("migrate").output().unwrap();
    assert_eq!(std::fs::read_to_string(dir.path().join("data/secret_key")).unwrap(), secret);
}

#[tokio::test]
async fn createsuperuser_makes_an_active_staff_account_and_updates_it_on_a_second_run() {
    let dir = tempfile::tempdir().unwrap();
    for password in ["First-Superpass-1", "Second-Superpass-2"] {
        let output = clean_command(dir.path())
            .env("GATEHOUSE_SUPERUSER_PASSWORD", password)
            .args(["createsuperuser", "--username", "admin", "--email", "admin@Example.COM", "--noinput"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let store = gatehouse::store::Store::connect(&format!("sqlite://{}/data/gatehouse.db", dir.path().display()), 1)
        .await
        .unwrap();
    let users = store.list_users().await.unwrap();
    assert_eq!(users.len(), 1);
    let admin = &users[0];
    assert!(admin.is_active && admin.is_staff && admin.is_superuser);
    assert_eq!(admin.email, "admin@example.com");
    assert!(gatehouse::auth::password::verify_encoded(&admin.password, "Second-Superpass-2"));
}

#[test]
fn createsuperuser_without_a_password_in_noinput_mode_explains_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let output =
        clean_command(dir.path()).args(["createsuperuser", "--username", "admin", "--noinput"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("GATEHOUSE_SUPERUSER_PASSWORD"));
}

#[test]
fn an_unreachable_database_is_retried_for_a_bounded_time_then_named() {
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let output = clean_command(dir.path())
        .env("GATEHOUSE_DATABASE_URL", "postgres://gatehouse:hunter2@127.0.0.1:1/accounts")
        .env("GATEHOUSE_DATABASE_CONNECT_TIMEOUT", "1")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("postgres://gatehouse:***@127.0.0.1:1/accounts could not be reached within 1 s"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[tokio::test]
async fn the_outbox_command_lists_pending_and_failed_e_mails() {
    use gatehouse::store::outbox::OutgoingEmail;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/data/gatehouse.db", dir.path().display());
    let store = gatehouse::store::Store::connect(&url, 1).await.unwrap();
    store.migrate().await.unwrap();
    let email = |recipient: &str| OutgoingEmail {
        kind: "activation",
        user_id: Some(1),
        sender: "webmaster@localhost".into(),
        recipient: recipient.into(),
        subject: "x".into(),
        message: "Subject: x\r\n\r\nbody".into(),
        link: None,
    };
    store.enqueue_emails(&[email("waiting@example.com"), email("broken@example.com")], &[]).await.unwrap();
    store.mark_email_failed(2, "connection refused").await.unwrap();

    let output = clean_command(dir.path()).arg("outbox").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("waiting@example.com") && stdout.contains("broken@example.com"), "{stdout}");
    assert!(stdout.contains("connection refused"));
    assert!(stdout.contains("1 pending, 1 failed."), "{stdout}");
}

#[test]
fn production_refuses_e_mail_that_reaches_no_one_and_plain_http_links() {
    let dir = tempfile::tempdir().unwrap();
    let key = PRODUCTION_KEY;
    let run = |backend: &str, frontend: &str| {
        clean_command(dir.path())
            .env("GATEHOUSE_ENVIRONMENT", "production")
            .env("GATEHOUSE_SECRET_KEY", key)
            .env("GATEHOUSE_EMAIL_BACKEND", backend)
            .env("GATEHOUSE_SMTP_URL", "smtp://127.0.0.1:2525")
            .env("GATEHOUSE_FRONTEND_URL", frontend)
            .arg("migrate")
            .output()
            .unwrap()
    };
    for backend in ["outbox", "console"] {
        let output = run(backend, "https://accounts.example.com");
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("GATEHOUSE_EMAIL_BACKEND"));
    }
    let output = run("smtp", "http://accounts.example.com");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("GATEHOUSE_FRONTEND_URL"));
    for frontend in ["https://accounts.example.com", "http://localhost:8000", "http://127.0.0.1:8000/app"] {
        let output = run("smtp", frontend);
        assert!(output.status.success(), "{frontend}: {}", String::from_utf8_lossy(&output.stderr));
    }
}

#[tokio::test]
async fn gatehouse_workers_sets_how_many_threads_serve_requests_and_start_up_says_it() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, _log, listening) = serve_in_with(dir.path(), &[("GATEHOUSE_WORKERS", "3")]);
    assert!(listening.contains("workers=3"), "{listening}");
    let answer = reqwest::get(format!("http://127.0.0.1:{}/auth/", port_in(&listening))).await.unwrap();
    assert_eq!(answer.status(), 200);
    // Every worker has started once one has answered: the server starts them all before it
    // accepts a connection. Linux names each thread in /proc (cut to 15 bytes).
    let workers = std::fs::read_dir(format!("/proc/{}/task", child.id()))
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.unwrap().path().join("comm")).ok())
        .filter(|name| name.starts_with("actix-server wo"))
        .count();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(workers, 3);
}

#[test]
fn gatehouse_workers_below_one_stops_start_up_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    for value in ["0", "many"] {
        let output = clean_command(dir.path()).env("GATEHOUSE_WORKERS", value).arg("migrate").output().unwrap();
        assert!(!output.status.success(), "{value} was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("GATEHOUSE_WORKERS: expected a whole number of threads above 0, got \"{value}\"")),
            "{stderr}"
        );
    }
}

#[tokio::test]
async fn the_request_log_names_routes_and_never_the_uid_or_token_of_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, stdout, port) = serve_in(dir.path());
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for path in [
        "/activate/MQ/secret-activation-token",
        "/password/reset/confirm/MQ/secret-reset-token?x=1",
        "/username/reset/confirm/Mg/secret-username-token",
        "/auth/users/42/",
        "/profile",
    ] {
        client.get(format!("{base}{path}")).send().await.unwrap();
    }
    let routes = [
        "route=/activate/{uid}/{token}",
        "route=/password/reset/confirm/{uid}/{token}",
        "route=/username/reset/confirm/{uid}/{token}",
        "route=/auth/users/{id}/",
        "route=/profile",
    ];
    // The log's lines are written by a thread of their own: read them as they come, until
    // every request's line is there (or 30 s have passed), before the server is stopped.
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut log = String::new();
    while !routes.iter().all(|route| log.contains(route)) {
        match received.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())) {
            Ok(line) => log.push_str(&format!("{line}\n")),
            Err(_) => break,
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    log.extend(received.iter().map(|line| format!("{line}\n")));

    assert!(!log.contains("secret-"), "a link's token reached the log:\n{log}");
    assert!(!log.contains("/MQ/") && !log.contains("/Mg/"), "a link's uid reached the log:\n{log}");
    for route in routes {
        assert!(log.contains(route), "{route} is not in the log:\n{log}");
    }
}

#[cfg(unix)]
#[test]
fn the_secret_key_and_the_database_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let output = clean_command(dir.path()).arg("migrate").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for file in ["data/secret_key", "data/gatehouse.db"] {
        let mode = std::fs::metadata(dir.path().join(file)).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{file} is readable by others: {mode:o}");
    }
}

#[tokio::test]
async fn the_users_command_finds_accounts_and_deactivates_and_makes_staff_recording_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/data/gatehouse.db", dir.path().display());
    let run = |args: &[&str]| {
        let output = clean_command(dir.path()).args(args).output().unwrap();
        (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned(), output.stderr)
    };
    for name in ["ann", "annie", "bob"] {
        let (ok, _, stderr) = clean_command(dir.path())
            .env("GATEHOUSE_SUPERUSER_PASSWORD", "Superpass-2026")
            .args(["createsuperuser", "--username", name, "--email", &format!("{name}@example.com"), "--noinput"])
            .output()
            .map(|output| (output.status.success(), (), output.stderr))
            .unwrap();
        assert!(ok, "{}", String::from_utf8_lossy(&stderr));
    }

    let (ok, listing, _) = run(&["users", "search", "ANN"]);
    assert!(ok);
    assert!(listing.contains("ann@example.com") && listing.contains("annie@example.com"), "{listing}");
    assert!(!listing.contains("bob@example.com"), "{listing}");
    assert!(listing.contains("Accounts 1 to 2 of 2."), "{listing}");
    let (_, everyone, _) = run(&["users", "list"]);
    assert!(everyone.contains("Accounts 1 to 3 of 3."), "{everyone}");

    let (ok, said, _) = run(&["users", "deactivate", "bob"]);
    assert!(ok);
    // The log's lines come from a thread of their own, before or after the command's answer.
    assert!(said.lines().any(|line| line == "\"bob\" (id 3): inactive, staff."), "{said}");
    let (ok, said, _) = run(&["users", "remove-staff", "bob"]);
    assert!(ok && said.contains("not staff"), "{said}");
    let (ok, _, stderr) = run(&["users", "activate", "nobody"]);
    assert!(!ok && String::from_utf8_lossy(&stderr).contains("No user is called \"nobody\""));

    let store = gatehouse::store::Store::connect(&url, 1).await.unwrap();
    let bob = store.find_user_by_username("bob").await.unwrap().unwrap();
    assert!(!bob.is_active && !bob.is_staff);
    let trail = store.audit_events_of(bob.id, 30).await.unwrap();
    let recorded: Vec<(&str, Option<&str>)> =
        trail.iter().map(|event| (event.kind.as_str(), event.actor.as_deref())).collect();
    assert_eq!(recorded, [("staff.removed", Some("shell")), ("user.deactivated", Some("shell"))]);
}
