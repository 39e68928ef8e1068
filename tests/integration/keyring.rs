//! The real system keyring on Linux: a private D-Bus session with gnome-keyring's Secret
//! Service (installed where missing by `scripts/install-test-peers.sh`), then `hoist profile add` (secret in the keyring, nothing in
//! Hoist's folders), a byte-exact `upload --profile` that reads it back, and `profile remove`
//! deleting it. Unit tests cover the same store with `keyring_core::mock`.

use std::io::Write as _;
use std::process::{Child, Command, Stdio};

use crate::support::{FAST_RETRY, Home, TestServer, assert_stored_equal, make_file, text};

/// A private session bus with an unlocked Secret Service on it; stopped on drop.
struct SecretService {
    bus: Child,
    keyring: Option<Child>,
    address: String,
    home: tempfile::TempDir,
}

impl Drop for SecretService {
    fn drop(&mut self) {
        if let Some(keyring) = &mut self.keyring {
            let _ = keyring.kill();
            let _ = keyring.wait();
        }
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

fn require(tool: &str) {
    crate::peers::ensure(crate::peers::Peer::Keyring);
    assert!(crate::peers::on_path(tool), "{tool} is not on PATH");
}

impl SecretService {
    /// A Secret Service whose login collection is created and unlocked with a password.
    fn start() -> SecretService {
        SecretService::start_with(Some("test-keyring-password"))
    }

    /// With no password gnome-keyring makes no login collection, so there is no default one:
    /// a headless session where nobody ever logged in to the desktop.
    fn start_with(login_password: Option<&str>) -> SecretService {
        require("dbus-daemon");
        require("gnome-keyring-daemon");
        let home = tempfile::tempdir().expect("tempdir");
        let runtime = home.path().join("run");
        std::fs::create_dir_all(&runtime).expect("runtime dir");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))
                .expect("chmod");
        }
        // A bus of our own with no service directories: the stock session config lets the bus
        // start gnome-keyring's `org.freedesktop.secrets.service` (with no password, so no
        // login collection) when hoist asks before our daemon has claimed the name, and that
        // daemon then owns the name for good ("another secret service is running"). Seen under
        // load in CI; without activation an early call just fails and is retried.
        let (bus, address) = crate::support::private_session_bus(home.path());
        let mut service = SecretService {
            bus,
            keyring: None,
            address,
            home,
        };
        assert!(
            !service.address.is_empty(),
            "dbus-daemon printed no address"
        );
        let log = std::fs::File::create(service.log_path()).expect("keyring log");
        let mut daemon = service.command("gnome-keyring-daemon");
        daemon.args(["--foreground", "--components=secrets"]);
        if login_password.is_some() {
            daemon.arg("--unlock");
        }
        let mut keyring = daemon
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("gnome-keyring-daemon starts");
        {
            let mut stdin = keyring.stdin.take().expect("stdin");
            if let Some(password) = login_password {
                stdin.write_all(password.as_bytes()).expect("password");
            }
        }
        service.keyring = Some(keyring);
        service
    }

    /// Where gnome-keyring-daemon's messages go.
    fn log_path(&self) -> std::path::PathBuf {
        self.home.path().join("gnome-keyring.log")
    }

    /// What gnome-keyring-daemon has said so far, for failure messages.
    fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// `program` on this session bus, with a private HOME for the keyring files.
    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("HOME", self.home.path())
            .env("XDG_RUNTIME_DIR", self.home.path().join("run"));
        cmd
    }

    /// `hoist` with Hoist's home, on this bus, using the keyring.
    fn hoist(&self, home: &Home) -> Command {
        let mut cmd = home.hoist();
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("HOIST_SECRET_STORE", "keyring")
            .env("XDG_RUNTIME_DIR", self.home.path().join("run"));
        cmd
    }
}

fn add_with_stdin(
    service: &SecretService,
    home: &Home,
    args: &[&str],
    stdin: &str,
) -> std::process::Output {
    let mut cmd = service.hoist(home);
    cmd.args(args);
    crate::support::output_with_stdin(cmd, stdin)
}

#[test]
fn secret_service_keeps_the_profile_secret() {
    let service = SecretService::start();
    let secret = "tok-KEYRING-3e7c91d0";
    let server = TestServer::start_with_token(&[], Some(secret));
    let home = Home::new();
    let args = [
        "profile",
        "add",
        "kr",
        "--kind",
        "google-resumable",
        "--endpoint",
        &server.initiate_url(),
        "--chunk-size",
        "1MiB",
        "--secret-stdin",
    ];
    // The Secret Service answers once gnome-keyring has claimed its bus name; calls before that
    // fail (the bus starts nothing in its place) and are repeated.
    let mut added = add_with_stdin(&service, &home, &args, &format!("{secret}\n"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !added.status.success() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
        added = add_with_stdin(
            &service,
            &home,
            &[&args[..], &["--replace"]].concat(),
            &format!("{secret}\n"),
        );
    }
    assert!(
        added.status.success(),
        "add: {}\ngnome-keyring-daemon said:\n{}",
        text(&added),
        service.log()
    );
    assert!(
        String::from_utf8_lossy(&added.stdout).contains("system keyring"),
        "{}",
        text(&added)
    );

    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "kr.bin", 2 * 1024 * 1024 + 3, 21);
    let out = service
        .hoist(&home)
        .args(["upload", "--profile", "kr"])
        .args(FAST_RETRY)
        .arg(&source)
        .output()
        .expect("hoist runs");
    assert!(out.status.success(), "upload: {}", text(&out));
    assert_stored_equal(&server, "kr.bin", &source);

    // Nothing under HOIST_HOME holds the secret: it is in the keyring only.
    let mut stack = vec![home.dir.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read");
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "{} holds the secret",
                    path.display()
                );
            }
        }
    }
    assert!(!home.dir.path().join("data").join("secrets.json").exists());

    let removed = service
        .hoist(&home)
        .args(["profile", "remove", "kr"])
        .output()
        .expect("hoist runs");
    assert!(removed.status.success(), "remove: {}", text(&removed));
    assert!(
        String::from_utf8_lossy(&removed.stdout).contains("deleted from the system keyring"),
        "{}",
        text(&removed)
    );

    // A hand-written profile pointing at the deleted entry: the upload fails because the
    // keyring no longer holds it.
    std::fs::write(
        home.dir.path().join("config").join("profiles.toml"),
        format!(
            "[profiles.kr]\nkind = \"google-resumable\"\nendpoint = \"{}\"\n\n[profiles.kr.secret]\nstore = \"keyring\"\nkey = \"profile/kr\"\n",
            server.initiate_url()
        ),
    )
    .expect("write profiles");
    let orphan = make_file(files.path(), "orphan.bin", 1000, 22);
    let out = service
        .hoist(&home)
        .args(["upload", "--profile", "kr"])
        .args(FAST_RETRY)
        .arg(&orphan)
        .output()
        .expect("hoist runs");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("missing from the system keyring"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_keyring_without_a_default_collection_is_explained() {
    let service = SecretService::start_with(None);
    let server = TestServer::start_with_token(&[], Some("tok-unused"));
    let home = Home::new();
    let args = [
        "profile",
        "add",
        "nokr",
        "--kind",
        "google-resumable",
        "--endpoint",
        &server.initiate_url(),
        "--secret-stdin",
    ];
    // Until gnome-keyring owns its name the bus has no Secret Service ("no system keyring is
    // available"); after that the answer is the one under test.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let added = loop {
        let added = add_with_stdin(&service, &home, &args, "tok-unused\n");
        if text(&added).contains("refused") || std::time::Instant::now() > deadline {
            break added;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert!(!added.status.success(), "{}", text(&added));
    let said = text(&added);
    assert!(
        said.contains("locked or has no default keyring")
            && said.contains("HOIST_SECRET_STORE=file"),
        "{said}\ngnome-keyring-daemon said:\n{}",
        service.log()
    );
    assert!(!said.contains("tok-unused"), "{said}");
    // Nothing was saved: no profile, no secret file.
    assert!(!home.dir.path().join("data").join("secrets.json").exists());
    let listed = home
        .hoist()
        .args(["profile", "list"])
        .output()
        .expect("hoist runs");
    assert!(!text(&listed).contains("nokr"), "{}", text(&listed));
}
