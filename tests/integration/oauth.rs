//! Google sign-in (OAuth 2.0 for installed apps, PKCE, loopback redirect) end to end against the
//! reference server's `/oauth/...` endpoints; the test plays the browser.

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use hoist_core::auth::{
    self, AuthError, GoogleOAuthConfig, MemoryTokenStore, OAuthClient, OAuthCredentials,
    SecretString, TokenStore as _,
};
use hoist_core::protocol::{Credentials as _, ProtocolError};

use crate::support::{Home, TestServer, assert_stored_equal, make_file, text};

pub(crate) const CLIENT_ID: &str = "hoist-test-client.apps.example";
const REQUIRED_TOKEN: &str = "static-token-not-used-by-oauth";

fn config(server: &TestServer) -> GoogleOAuthConfig {
    GoogleOAuthConfig::google(
        CLIENT_ID,
        Some(SecretString::new("client-secret-xyz".into())),
    )
    .at_server(&server.base_url())
}

/// A form-encoded body (reqwest's `form` feature is not enabled).
fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Plays the browser: a stray `/favicon.ico` on the loopback listener first (it must not end
/// the sign-in), then the consent page, then the 302 back to the listener. Returns the page the
/// listener answered.
pub(crate) async fn play_browser(auth_url: String, extra_query: &'static str) -> String {
    let http = no_redirects();
    let auth_url = format!("{auth_url}{extra_query}");
    let consent = http.get(&auth_url).send().await.expect("consent page");
    assert_eq!(consent.status(), 302, "the consent page redirects");
    let location = consent
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .expect("Location")
        .to_string();
    let listener = url::Url::parse(&location).expect("redirect url");
    assert_eq!(listener.host_str(), Some("127.0.0.1"));
    let favicon = format!(
        "http://127.0.0.1:{}/favicon.ico",
        listener.port().expect("port")
    );
    let stray = http.get(&favicon).send().await.expect("stray request");
    assert_eq!(stray.status(), 404);
    let page = http.get(&location).send().await.expect("loopback");
    page.text().await.expect("page")
}

fn sign_in(
    server: &TestServer,
    extra_query: &'static str,
) -> (Result<auth::TokenSet, AuthError>, Option<String>) {
    let runtime = &server.runtime;
    let config = config(server);
    runtime.block_on(async {
        let mut browser = None;
        let result = auth::sign_in(
            &config,
            &[auth::SCOPE_STORAGE_READ_WRITE],
            |url| browser = Some(tokio::spawn(play_browser(url.to_string(), extra_query))),
            Duration::from_secs(30),
        )
        .await;
        let page = match browser {
            Some(task) => Some(task.await.expect("browser task")),
            None => None,
        };
        (result, page)
    })
}

async fn oauth_counter(server_base: &str, name: &str) -> u64 {
    let json: serde_json::Value = reqwest::get(format!("{server_base}/_hoist/oauth"))
        .await
        .expect("counters")
        .json()
        .await
        .expect("json");
    json[name].as_u64().expect("counter")
}

/// Status of an upload initiate with `token` as the bearer.
async fn initiate_status(server: &TestServer, token: &str) -> u16 {
    let url = server.initiate_url().replace("{name}", "probe.bin");
    no_redirects()
        .post(url)
        .bearer_auth(token)
        .header("X-Upload-Content-Length", "10")
        .send()
        .await
        .expect("initiate")
        .status()
        .as_u16()
}

#[test]
fn sign_in_refresh_expiry_and_revocation() {
    let server = TestServer::start_with_token(&[], Some(REQUIRED_TOKEN));
    let (result, page) = sign_in(&server, "");
    let tokens = result.expect("signed in");
    assert!(
        page.expect("page").contains("You can close this window"),
        "the browser gets a plain closing page"
    );
    assert!(tokens.refresh_token.is_some());
    assert_eq!(tokens.expires_in, Some(Duration::from_secs(3600)));
    assert_eq!(tokens.scopes, [auth::SCOPE_STORAGE_READ_WRITE]);
    let shown = format!("{tokens:?}");
    assert!(!shown.contains(tokens.access_token.expose()), "{shown}");

    let store = Arc::new(MemoryTokenStore::new());
    let client = OAuthClient::new(&config(&server)).expect("client");
    let credentials =
        OAuthCredentials::from_sign_in(client, store.clone(), "google/default", &tokens)
            .expect("saved");
    let refresh_token = store
        .load("google/default")
        .expect("load")
        .expect("refresh token saved");
    let base = server.base_url();
    server.runtime.block_on(async {
        let first = credentials
            .bearer_token()
            .await
            .expect("token")
            .expect("some");
        assert_eq!(
            first,
            tokens.access_token.expose(),
            "the fresh token is cached"
        );
        assert_eq!(initiate_status(&server, &first).await, 200);
        assert_eq!(initiate_status(&server, "hoist-at-forged").await, 401);

        // The access token is revoked (as if expired): the server refuses it, the engine's
        // refresh gets a new one, which works.
        let revoked = no_redirects()
            .post(format!("{base}/oauth/revoke"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[("token", first.as_str())]))
            .send()
            .await
            .expect("revoke");
        assert_eq!(revoked.status(), 200);
        assert_eq!(initiate_status(&server, &first).await, 401);
        credentials.refresh().await.expect("refreshed");
        let second = credentials
            .bearer_token()
            .await
            .expect("token")
            .expect("some");
        assert_ne!(second, first);
        assert_eq!(initiate_status(&server, &second).await, 200);
        assert_eq!(oauth_counter(&base, "refreshes").await, 1);

        // The grant is revoked at the server: the next refresh says "sign in again".
        no_redirects()
            .post(format!("{base}/oauth/revoke"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[("token", refresh_token.expose())]))
            .send()
            .await
            .expect("revoke");
        assert_eq!(initiate_status(&server, &second).await, 401);
        let error = credentials.refresh().await.expect_err("revoked");
        assert!(
            matches!(error, ProtocolError::MissingCredentials { .. }),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.contains("sign in again"), "{message}");
        assert!(!message.contains(refresh_token.expose()), "{message}");
        assert!(!format!("{error:?}").contains(refresh_token.expose()));
        assert!(!format!("{credentials:?}").contains("client-secret-xyz"));

        // revoke() forgets the saved sign-in.
        credentials.revoke().await.expect("revoke");
        assert!(store.load("google/default").expect("load").is_none());
        let error = credentials.bearer_token().await.expect_err("signed out");
        assert!(error.to_string().contains("not signed in"), "{error}");
    });
}

#[test]
fn access_denied_is_a_clear_message() {
    let server = TestServer::start(&[]);
    let (result, page) = sign_in(&server, "&deny=1");
    let error = result.expect_err("denied");
    assert!(matches!(error, AuthError::AccessDenied), "{error:?}");
    assert!(
        error.to_string().contains("sign-in was cancelled"),
        "{error}"
    );
    assert!(page.expect("page").contains("cancelled"));
}

#[test]
fn code_exchange_checks_pkce_client_and_single_use() {
    use base64::Engine as _;
    use sha2::Digest as _;
    let server = TestServer::start(&[]);
    let base = server.base_url();
    let verifier = "v".repeat(43) + "-right-verifier";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let redirect_uri = "http://127.0.0.1:9/";
    server.runtime.block_on(async {
        let http = no_redirects();
        let get_code = || async {
            let answer = http
                .get(format!("{base}/oauth/authorize"))
                .query(&[
                    ("response_type", "code"),
                    ("client_id", CLIENT_ID),
                    ("redirect_uri", redirect_uri),
                    ("state", "s1"),
                    ("code_challenge", challenge.as_str()),
                    ("code_challenge_method", "S256"),
                ])
                .send()
                .await
                .expect("authorize");
            assert_eq!(answer.status(), 302);
            let location = url::Url::parse(answer.headers()["location"].to_str().expect("ascii"))
                .expect("url");
            let pairs: std::collections::HashMap<String, String> =
                location.query_pairs().into_owned().collect();
            assert_eq!(pairs["state"], "s1");
            pairs["code"].clone()
        };
        let exchange = |code: String, client: &'static str, verifier: String| {
            let http = http.clone();
            let base = base.clone();
            async move {
                let answer = http
                    .post(format!("{base}/oauth/token"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(form(&[
                        ("grant_type", "authorization_code"),
                        ("code", code.as_str()),
                        ("client_id", client),
                        ("redirect_uri", redirect_uri),
                        ("code_verifier", verifier.as_str()),
                    ]))
                    .send()
                    .await
                    .expect("token");
                let status = answer.status().as_u16();
                let json: serde_json::Value = answer.json().await.expect("json");
                (status, json)
            }
        };
        let code = get_code().await;
        let (status, json) = exchange(code.clone(), CLIENT_ID, "w".repeat(50)).await;
        assert_eq!(
            (status, json["error"].as_str()),
            (400, Some("invalid_grant"))
        );
        // A code is single-use, even after a failed attempt.
        let (status, json) = exchange(code, CLIENT_ID, verifier.clone()).await;
        assert_eq!(
            (status, json["error"].as_str()),
            (400, Some("invalid_grant"))
        );
        let code = get_code().await;
        let (status, json) = exchange(code, "another-client", verifier.clone()).await;
        assert_eq!(
            (status, json["error"].as_str()),
            (400, Some("invalid_grant"))
        );
        let code = get_code().await;
        let (status, json) = exchange(code, CLIENT_ID, verifier.clone()).await;
        assert_eq!(status, 200, "{json}");
        assert_eq!(json["token_type"], "Bearer");
        assert!(json["refresh_token"].as_str().is_some());

        // Only loopback redirect URIs; no redirect to anywhere else.
        let answer = http
            .get(format!("{base}/oauth/authorize"))
            .query(&[
                ("response_type", "code"),
                ("client_id", CLIENT_ID),
                ("redirect_uri", "http://attacker.example/"),
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ])
            .send()
            .await
            .expect("authorize");
        assert_eq!(answer.status(), 400);
    });
}

/// `hoist signin google --no-browser`: reads the printed address from stderr and plays the browser.
fn cli_sign_in(home: &Home, server: &TestServer) -> String {
    let base = server.base_url();
    cli_sign_in_with(
        home,
        server,
        &[
            "--client-id",
            CLIENT_ID,
            "--client-secret-env",
            "HOIST_TEST_CLIENT_SECRET",
            "--auth-url",
            &format!("{base}/oauth/authorize"),
            "--token-url",
            &format!("{base}/oauth/token"),
            "--revoke-url",
            &format!("{base}/oauth/revoke"),
            "--scopes",
            "storage,drive",
        ],
    )
}

/// `hoist signin google --no-browser ARGS...`, playing the browser on the printed address.
fn cli_sign_in_with(home: &Home, server: &TestServer, args: &[&str]) -> String {
    let base = server.base_url();
    let mut child = home
        .hoist()
        .env("HOIST_SECRET_STORE", "file")
        .env("HOIST_TEST_CLIENT_SECRET", "client-secret-xyz")
        .args(["signin", "google", "--no-browser"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn signin");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut printed = String::new();
    let auth_url = loop {
        let mut line = String::new();
        let n = stderr.read_line(&mut line).expect("read");
        assert!(n > 0, "signin ended before printing the address: {printed}");
        printed.push_str(&line);
        if let Some(url) = line.trim().strip_prefix(&format!("{base}/oauth/authorize")) {
            break format!("{base}/oauth/authorize{url}");
        }
    };
    let page = server.runtime.block_on(play_browser(auth_url, ""));
    assert!(page.contains("You can close this window"));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("rest");
    printed.push_str(&rest);
    let status = child.wait().expect("signin ends");
    assert!(status.success(), "{printed}");
    assert!(printed.contains("Signed in to Google"), "{printed}");
    assert!(!printed.contains("client-secret-xyz"), "{printed}");
    printed
}

fn oauth_upload_args(server: &TestServer) -> Vec<String> {
    let base = server.base_url();
    [
        "--oauth",
        "--client-id",
        CLIENT_ID,
        "--client-secret-env",
        "HOIST_TEST_CLIENT_SECRET",
        "--token-url",
        &format!("{base}/oauth/token"),
        "--revoke-url",
        &format!("{base}/oauth/revoke"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The refresh token the CLI saved: in the secret store (the secrets file, which these tests
/// choose with `HOIST_SECRET_STORE=file`), under `oauth/google/default`.
fn saved_refresh_token(home: &Home) -> (std::path::PathBuf, String) {
    saved_refresh_token_for(home, "default")
}

/// Where the file secret store is, and the refresh token it keeps for `profile`.
fn saved_refresh_token_for(home: &Home, profile: &str) -> (std::path::PathBuf, String) {
    let path = home.dir.path().join("data").join("secrets.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let secrets: serde_json::Value = serde_json::from_str(&text).expect("secrets file is JSON");
    let token = secrets
        .pointer(&format!("/secrets/oauth~1google~1{profile}"))
        .or_else(|| secrets.get(format!("oauth/google/{profile}")))
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("no sign-in saved for the profile '{profile}': {secrets}"))
        .to_string();
    (path, token)
}

/// Every file under the home (logs, journal) and the outputs, searched for a secret.
fn assert_not_leaked(home: &Home, outputs: &[&str], secret: &str, except: &std::path::Path) {
    for output in outputs {
        assert!(
            !output.contains(secret),
            "a secret leaked in the output: {output}"
        );
    }
    let mut dirs = vec![home.dir.path().to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path != except {
                let bytes = std::fs::read(&path).expect("read");
                let text = String::from_utf8_lossy(&bytes);
                assert!(
                    !text.contains(secret),
                    "a secret leaked into {}",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn cli_sign_in_then_upload_survives_token_expiry() {
    // Access tokens live 1 s; the throttled chunked upload takes several seconds, so tokens
    // expire mid-upload and are refreshed (ahead of expiry, or after a 401).
    let server = TestServer::start_with_token(
        &["oauth-token-ttl=1", "throttle=768KiB"],
        Some(REQUIRED_TOKEN),
    );
    let home = Home::new();
    let signin_output = cli_sign_in(&home, &server);
    let (token_path, refresh_token) = saved_refresh_token(&home);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&token_path)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the token file is private");
    }
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "film.bin", 3 * 1024 * 1024, 21);
    let mut cmd = home.hoist();
    cmd.env("HOIST_SECRET_STORE", "file");
    cmd.env("HOIST_TEST_CLIENT_SECRET", "client-secret-xyz")
        .env("HOIST_LOG", "debug")
        .args([
            "upload",
            "--kind",
            "google-resumable",
            "--endpoint",
            &server.initiate_url(),
            "--chunk-size",
            "256KiB",
        ])
        .args(oauth_upload_args(&server))
        .args(crate::support::FAST_RETRY)
        .arg(&source);
    let out = cmd.output().expect("runs");
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert_stored_equal(&server, "film.bin", &source);
    let refreshes = server
        .runtime
        .block_on(oauth_counter(&server.base_url(), "refreshes"));
    assert!(
        refreshes >= 2,
        "tokens were refreshed during the upload ({refreshes})"
    );
    assert_not_leaked(&home, &[&all, &signin_output], &refresh_token, &token_path);
    assert_not_leaked(
        &home,
        &[&all, &signin_output],
        "client-secret-xyz",
        &token_path,
    );
    assert_not_leaked(&home, &[&all], "hoist-at-", &token_path);
}

#[test]
fn revoked_sign_in_fails_the_upload_with_sign_in_again() {
    let server = TestServer::start_with_token(&[], Some(REQUIRED_TOKEN));
    let home = Home::new();
    cli_sign_in(&home, &server);
    let (token_path, refresh_token) = saved_refresh_token(&home);
    let base = server.base_url();
    server.runtime.block_on(async {
        let answer = no_redirects()
            .post(format!("{base}/oauth/revoke"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[("token", refresh_token.as_str())]))
            .send()
            .await
            .expect("revoke");
        assert_eq!(answer.status(), 200);
    });
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "a.bin", 1000, 3);
    let mut cmd = home.hoist();
    cmd.env("HOIST_SECRET_STORE", "file");
    cmd.env("HOIST_TEST_CLIENT_SECRET", "client-secret-xyz")
        .args([
            "upload",
            "--kind",
            "google-resumable",
            "--endpoint",
            &server.initiate_url(),
        ])
        .args(oauth_upload_args(&server))
        .args(crate::support::FAST_RETRY)
        .arg(&source);
    let out = cmd.output().expect("runs");
    let all = text(&out);
    assert!(!out.status.success(), "{all}");
    assert!(all.contains("sign in again"), "{all}");
    assert_not_leaked(&home, &[&all], &refresh_token, &token_path);

    // signout with a revoked grant still forgets it here.
    let out = home
        .hoist()
        .env("HOIST_SECRET_STORE", "file")
        .env("HOIST_TEST_CLIENT_SECRET", "client-secret-xyz")
        .args([
            "signout",
            "google",
            "--client-id",
            CLIENT_ID,
            "--client-secret-env",
            "HOIST_TEST_CLIENT_SECRET",
            "--token-url",
            &format!("{base}/oauth/token"),
            "--revoke-url",
            &format!("{base}/oauth/revoke"),
        ])
        .output()
        .expect("signout runs");
    assert!(out.status.success(), "{}", text(&out));
    let left = std::fs::read_to_string(&token_path).unwrap_or_default();
    assert!(
        !left.contains("oauth/google/default") && !left.contains(&refresh_token),
        "the saved sign-in is forgotten: {left}"
    );
}

/// A saved profile that signs in to Google: `profile add --oauth` keeps the OAuth client (its
/// secret in the secret store), `signin google --profile` signs it in, and `upload --profile`
/// needs nothing else (no environment variable); `signout` and `profile remove` clean up.
#[test]
fn a_profile_signs_in_once_and_uploads_without_more_options() {
    let server = TestServer::start_with_token(&["oauth-token-ttl=2"], Some(REQUIRED_TOKEN));
    let home = Home::new();
    let hoist = || {
        let mut cmd = home.hoist();
        cmd.env("HOIST_SECRET_STORE", "file");
        cmd
    };
    let added_text = add_oauth_profile(&home, &server);
    let profiles = std::fs::read_to_string(home.dir.path().join("config").join("profiles.toml"))
        .expect("profiles.toml");
    assert!(profiles.contains(CLIENT_ID), "{profiles}");
    assert!(!profiles.contains("client-secret-xyz"), "{profiles}");

    let show = |expected: &str| {
        let out = hoist()
            .args(["profile", "show", "gcs"])
            .output()
            .expect("show");
        assert!(out.status.success(), "{}", text(&out));
        assert!(text(&out).contains(expected), "{}", text(&out));
        assert!(
            text(&out).contains("Its OAuth client secret is kept in"),
            "{}",
            text(&out)
        );
    };
    show("not signed in yet (hoist signin google --profile gcs)");

    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "profiled.bin", 2 * 1024 * 1024 + 5, 31);
    let upload = |path: &std::path::Path| {
        hoist()
            .args(["upload", "--profile", "gcs"])
            .args(crate::support::FAST_RETRY)
            .arg(path)
            .output()
            .expect("upload")
    };
    let early = upload(&source);
    assert!(!early.status.success(), "{}", text(&early));
    assert!(
        text(&early).contains("not signed in to Google yet"),
        "{}",
        text(&early)
    );

    let signin_output = cli_sign_in_with(&home, &server, &["--profile", "gcs"]);
    assert!(
        signin_output.contains("for the profile 'gcs'"),
        "{signin_output}"
    );
    show("saved as 'gcs': signed in");
    let (token_path, refresh_token) = saved_refresh_token_for(&home, "gcs");

    // The upload reads the client secret from the store: no variable in its environment.
    let out = upload(&source);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert_stored_equal(&server, "profiled.bin", &source);
    let tested = hoist()
        .args(["profile", "test", "gcs"])
        .output()
        .expect("test");
    assert!(tested.status.success(), "{}", text(&tested));
    assert_not_leaked(
        &home,
        &[&all, &signin_output, &added_text],
        &refresh_token,
        &token_path,
    );
    assert_not_leaked(
        &home,
        &[&all, &signin_output, &added_text],
        "client-secret-xyz",
        &token_path,
    );

    // Signing out revokes at the server and forgets the token; uploads then say so.
    sign_out_gcs(&home, &server);
    show("not signed in yet");
    let after = upload(&source);
    assert!(!after.status.success(), "{}", text(&after));
    assert!(
        text(&after).contains("not signed in to Google yet"),
        "{}",
        text(&after)
    );

    // Removing a signed-in profile forgets its sign-in with its client secret.
    cli_sign_in_with(&home, &server, &["--profile", "gcs"]);
    let removed = hoist()
        .args(["profile", "remove", "gcs"])
        .output()
        .expect("remove");
    assert!(removed.status.success(), "{}", text(&removed));
    assert!(
        text(&removed).contains("Its Google sign-in was forgotten on this computer"),
        "{}",
        text(&removed)
    );
    let secrets = std::fs::read_to_string(&token_path).expect("secrets");
    assert!(!secrets.contains("oauth/google/gcs"), "{secrets}");
    assert!(!secrets.contains("client-secret-xyz"), "{secrets}");
}

/// `hoist profile add gcs --oauth ...` against `server`; what it printed.
fn add_oauth_profile(home: &Home, server: &TestServer) -> String {
    let base = server.base_url();
    let added = home
        .hoist()
        .env("HOIST_SECRET_STORE", "file")
        .env("HOIST_TEST_CLIENT_SECRET", "client-secret-xyz")
        .args([
            "profile",
            "add",
            "gcs",
            "--kind",
            "google-resumable",
            "--endpoint",
            &server.initiate_url(),
            "--chunk-size",
            "256KiB",
            "--oauth",
            "--client-id",
            CLIENT_ID,
            "--client-secret-env",
            "HOIST_TEST_CLIENT_SECRET",
            "--auth-url",
            &format!("{base}/oauth/authorize"),
            "--token-url",
            &format!("{base}/oauth/token"),
            "--revoke-url",
            &format!("{base}/oauth/revoke"),
        ])
        .output()
        .expect("profile add");
    let added_text = text(&added);
    assert!(added.status.success(), "{added_text}");
    assert!(
        added_text.contains("OAuth client secret is kept in")
            && added_text.contains("hoist signin google --profile gcs"),
        "{added_text}"
    );
    added_text
}

/// `hoist signout google --profile gcs`: it says so, and the server saw one more revocation.
fn sign_out_gcs(home: &Home, server: &TestServer) {
    let base = server.base_url();
    let revocations_before = server.runtime.block_on(oauth_counter(&base, "revocations"));
    let out = home
        .hoist()
        .env("HOIST_SECRET_STORE", "file")
        .args(["signout", "google", "--profile", "gcs"])
        .output()
        .expect("signout");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Signed out of Google for the profile 'gcs'"),
        "{}",
        text(&out)
    );
    assert_eq!(
        server.runtime.block_on(oauth_counter(&base, "revocations")),
        revocations_before + 1
    );
}
