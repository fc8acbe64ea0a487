//! Real processes for the tests that need them: the `gatehouse` binary (to restart it or kill
//! it with SIGKILL) and an aiosmtpd SMTP server.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_gatehouse");

/// A port nothing listens on right now, for a server started later. It is taken below the
/// range the system hands out to outgoing connections (`ip_local_port_range`): the suite
/// opens many (to PostgreSQL, between servers), and one of them could otherwise take the port
/// in the seconds before its server binds it. Each call in a run gets a different port.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static CALLS: AtomicU32 = AtomicU32::new(0);
    const SPAN: u32 = 10_000;
    let ephemeral_from = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u32>().ok())
        .unwrap_or(32_768);
    if ephemeral_from < SPAN + 1024 {
        return std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    }
    let first = ephemeral_from - SPAN;
    loop {
        let offset = (std::process::id().wrapping_mul(7919) + CALLS.fetch_add(1, Ordering::Relaxed)) % SPAN;
        let port = u16::try_from(first + offset).unwrap();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// `gatehouse serve` in a child process, killed when dropped.
pub struct Server {
    child: Child,
    pub url: String,
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// Starts the binary in `dir` with only `env` (names without the `GATEHOUSE_` prefix) and
    /// waits until it listens.
    pub fn start(dir: &Path, env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(BINARY);
        command
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .env("GATEHOUSE_BIND", "127.0.0.1:0")
            // These tests load the server from one address; throttling has tests of its own.
            .env("GATEHOUSE_THROTTLE", "false");
        for (name, value) in env {
            command.env(format!("GATEHOUSE_{name}"), value);
        }
        let mut child = command.arg("serve").stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let port = loop {
            let line = lines.next().expect("the server exited before listening").unwrap();
            if line.contains("Gatehouse is listening") {
                let port = line.split("port=").nth(1).and_then(|rest| rest.split_whitespace().next());
                break port.expect("the listening line names the port").to_owned();
            }
        };
        // Keep reading the log so the server never blocks on a full pipe.
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                kept.lock().unwrap().push(line);
            }
        });
        Self { child, url: format!("http://127.0.0.1:{port}"), log }
    }

    /// Waits (at most 10 s) for a log line containing every one of `parts`.
    pub async fn wait_for_log(&self, parts: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found =
                self.log.lock().unwrap().iter().find(|line| parts.iter().all(|part| line.contains(part))).cloned();
            if let Some(line) = found {
                return line;
            }
            assert!(Instant::now() < deadline, "no log line with {parts:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGTERM, as a service manager stops the server; returns how the process ended.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let status = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status().unwrap();
        assert!(status.success(), "kill -TERM failed");
        self.child.wait().unwrap()
    }

    /// SIGKILL: no shutdown, no flushing.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// aiosmtpd in a child process (`tests/smtp_sink.py`), stopped when dropped.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    folder: tempfile::TempDir,
}

impl SmtpServer {
    pub fn start(port: u16) -> Self {
        let python = std::env::var("GATEHOUSE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_sink.py");
        let folder = tempfile::tempdir().unwrap();
        let mut child = Command::new(&python)
            .arg(&script)
            .arg(port.to_string())
            .arg(folder.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {python}: {e}; scripts/test installs aiosmtpd"));
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut ready).unwrap();
        assert_eq!(ready.trim(), "READY", "aiosmtpd did not start (scripts/test installs it)");
        Self { child, port, folder }
    }

    /// The messages received so far, in arrival order.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<_> = std::fs::read_dir(self.folder.path())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .collect();
        files.sort();
        files.iter().map(|path| std::fs::read_to_string(path).unwrap()).collect()
    }

    /// Waits until at least `count` messages arrived (at most `limit`).
    pub async fn wait_for(&self, count: usize, limit: Duration) -> Vec<String> {
        let deadline = Instant::now() + limit;
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(Instant::now() < deadline, "only {} of {count} messages arrived", messages.len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The test Django project (`tests/django_site/`: Django, DRF, Djoser and SimpleJWT as a team
/// would deploy them), run by the Python of `GATEHOUSE_TEST_PYTHON`, which scripts/test
/// installs them into.
pub struct Django {
    database: String,
    secret_key: String,
    /// More `DJANGO_*` settings of `tests/django_site/settings.py`.
    env: Vec<(String, String)>,
}

impl Django {
    /// The project on the database at `database` (a `sqlite:///abs/path` or `postgres://` URL).
    pub fn new(database: &str, secret_key: &str) -> Self {
        Self { database: database.to_owned(), secret_key: secret_key.to_owned(), env: Vec::new() }
    }

    /// With one more setting (`DJANGO_PBKDF2_ITERATIONS`, `DJANGO_EMAIL_DIR`, …).
    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// `manage.py migrate`: Django's own tables, as a project's first deployment makes them.
    pub fn migrate(&self) {
        let output = self.command("manage.py").args(["migrate", "--verbosity", "0"]).output().expect("python runs");
        assert!(
            output.status.success(),
            "Django's migrate failed (scripts/test installs Django, DRF, Djoser and SimpleJWT):\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn site() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/django_site")
    }

    fn command(&self, script: &str) -> Command {
        let python = std::env::var("GATEHOUSE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let mut command = Command::new(python);
        command
            .current_dir(Self::site())
            .env("DJANGO_DATABASE", &self.database)
            .env("DJANGO_SECRET_KEY", &self.secret_key)
            .env("PYTHONUNBUFFERED", "1")
            .envs(self.env.iter().map(|(name, value)| (name, value)))
            .arg(Self::site().join(script));
        command
    }

    /// Runs `fixture.py`: Django's tables, one account per stock hasher, and SimpleJWT tokens;
    /// returns what it printed.
    pub fn fixture(&self) -> serde_json::Value {
        let output = self.command("fixture.py").output().expect("python runs");
        assert!(
            output.status.success(),
            "the Django fixture failed (scripts/test installs Django, DRF, Djoser and SimpleJWT):\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8(output.stdout).unwrap();
        serde_json::from_str(text.lines().last().expect("a JSON line")).expect("JSON")
    }

    /// Django's development server for the project, on a free port.
    pub fn serve(&self) -> DjangoServer {
        self.serve_on(free_port())
    }

    /// Django's development server for the project, on `port`.
    pub fn serve_on(&self, port: u16) -> DjangoServer {
        let mut child = self
            .command("manage.py")
            .args(["runserver", "--noreload", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python runs");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let errors = child.stderr.take().unwrap();
        let mut seen = Vec::new();
        loop {
            match lines.next() {
                Some(Ok(line)) if line.contains("Starting development server") => break,
                Some(Ok(line)) => seen.push(line),
                _ => {
                    let said = std::io::read_to_string(errors).unwrap_or_default();
                    panic!("the Django server did not start on port {port}:\n{}\n{said}", seen.join("\n"))
                }
            }
        }
        // Its request log goes to stderr: read, so that it never fills the pipe.
        std::thread::spawn(move || std::io::copy(&mut BufReader::new(errors), &mut std::io::sink()));
        std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
        // The banner comes just before the socket is bound.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the Django server did not listen within 10 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        DjangoServer { child, url: format!("http://127.0.0.1:{port}") }
    }
}

/// A running Django development server, stopped when dropped.
pub struct DjangoServer {
    child: Child,
    pub url: String,
}

impl Drop for DjangoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
