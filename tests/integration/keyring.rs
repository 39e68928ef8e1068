//! The real system keyring on Linux: a private D-Bus session with gnome-keyring's Secret
//! Service (installed by `.ci/run`), then `hoist profile add` (secret in the keyring, nothing in
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
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "{tool} is not installed: run `bash .ci/run` once (it installs gnome-keyring and dbus-daemon)"
    );
}

impl SecretService {
    fn start() -> SecretService {
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
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon starts");
        let mut address = String::new();
        {
            use std::io::BufRead as _;
            let stdout = bus.stdout.take().expect("stdout");
            std::io::BufReader::new(stdout)
                .read_line(&mut address)
                .expect("bus address");
        }
        let mut service = SecretService {
            bus,
            keyring: None,
            address: address.trim().to_string(),
            home,
        };
        assert!(
            !service.address.is_empty(),
            "dbus-daemon printed no address"
        );
        let mut keyring = service
            .command("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon starts");
        {
            let mut stdin = keyring.stdin.take().expect("stdin");
            stdin.write_all(b"test-keyring-password").expect("password");
        }
        service.keyring = Some(keyring);
        service
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
    let mut child = service
        .hoist(home)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn hoist");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .or_else(crate::profiles::ignore_broken_pipe)
        .expect("stdin");
    child.wait_with_output().expect("hoist runs")
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
    // The Secret Service answers once gnome-keyring has claimed its bus name; with the whole
    // suite running on 2 cores that once took longer than 20 s, so the bound is generous.
    let mut added = add_with_stdin(&service, &home, &args, &format!("{secret}\n"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    while !added.status.success() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
        added = add_with_stdin(
            &service,
            &home,
            &[&args[..], &["--replace"]].concat(),
            &format!("{secret}\n"),
        );
    }
    assert!(added.status.success(), "add: {}", text(&added));
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
