//! `hoist signin google` / `hoist signout google`: the Google sign-in from the command line, and
//! the `--oauth` options of `hoist upload` that use the saved sign-in.
//!
//! The refresh token goes to the secret store (see [`hoist_core::auth::default_token_store`]).
//! `--profile NAME` signs in (or out) for a saved profile made with `hoist profile add --oauth`.

use std::io::Write as _;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};

use hoist_core::auth::{
    self, GOOGLE_AUTH_URL, GOOGLE_REVOKE_URL, GOOGLE_TOKEN_URL, GoogleOAuthConfig, OAuthClient,
    OAuthCredentials, SecretString,
};
use hoist_core::profile::GoogleSignIn;
use hoist_core::profile::manage;

use super::jobs::job_runtime;
use hoist_core::store::HoistDirs;
use hoist_core::units::parse_duration;
use hoist_core::upload::{AuthSource, GoogleOauthSource};

/// Services Hoist signs in to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Provider {
    /// Google (YouTube, Drive, Cloud Storage).
    Google,
}

/// The OAuth client (created in your Google Cloud project) and its endpoints.
#[derive(Debug, Args, Clone)]
pub struct GoogleClientArgs {
    /// The OAuth client ID of your Google Cloud project (type "Desktop app").
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// Name of an environment variable holding the OAuth client secret.
    #[arg(long, value_name = "VAR")]
    pub client_secret_env: Option<String>,
    /// The name the sign-in is saved under (several Google accounts can be signed in);
    /// `default` unless given, the profile's name for `profile add --oauth`.
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    /// The consent page (Google's unless testing against another server).
    #[arg(long, value_name = "URL", default_value = GOOGLE_AUTH_URL)]
    pub auth_url: String,
    /// The token endpoint.
    #[arg(long, value_name = "URL", default_value = GOOGLE_TOKEN_URL)]
    pub token_url: String,
    /// The revocation endpoint.
    #[arg(long, value_name = "URL", default_value = GOOGLE_REVOKE_URL)]
    pub revoke_url: String,
}

impl GoogleClientArgs {
    /// The saved sign-in's name.
    fn account(&self) -> String {
        self.account
            .clone()
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_else(|| "default".to_string())
    }

    /// The profile setting these options describe (`hoist profile add --oauth`): endpoints
    /// are kept only when they differ from Google's.
    pub fn profile_sign_in(&self) -> anyhow::Result<GoogleSignIn> {
        let given = |value: &str, default: &str| (value != default).then(|| value.to_string());
        Ok(GoogleSignIn {
            client_id: self.client_id()?,
            account: self.account.clone().filter(|a| !a.trim().is_empty()),
            auth_url: given(&self.auth_url, GOOGLE_AUTH_URL),
            token_url: given(&self.token_url, GOOGLE_TOKEN_URL),
            revoke_url: given(&self.revoke_url, GOOGLE_REVOKE_URL),
        })
    }

    fn client_id(&self) -> anyhow::Result<String> {
        match &self.client_id {
            Some(id) if !id.trim().is_empty() => Ok(id.trim().to_string()),
            _ => bail!(
                "--client-id is needed: the OAuth client ID from your Google Cloud project (see the README)"
            ),
        }
    }

    fn config(&self) -> anyhow::Result<GoogleOAuthConfig> {
        let client_secret = match &self.client_secret_env {
            None => None,
            Some(var) => {
                let secret = std::env::var(var)
                    .with_context(|| format!("the client secret variable {var} is not set"))?;
                if secret.trim().is_empty() {
                    bail!("the client secret variable {var} is empty");
                }
                Some(SecretString::new(secret.trim().to_string()))
            }
        };
        Ok(GoogleOAuthConfig {
            client_id: self.client_id()?,
            client_secret,
            auth_url: self.auth_url.clone(),
            token_url: self.token_url.clone(),
            revoke_url: self.revoke_url.clone(),
        })
    }

    /// The journal's record of where an upload's credentials come from.
    pub fn auth_source(&self) -> anyhow::Result<AuthSource> {
        Ok(AuthSource::GoogleOauth(Box::new(GoogleOauthSource {
            account: self.account(),
            client_id: self.client_id()?,
            client_secret_env: self.client_secret_env.clone(),
            client_secret: None,
            token_url: self.token_url.clone(),
            revoke_url: self.revoke_url.clone(),
        })))
    }
}

/// Arguments of `hoist signin`.
#[derive(Debug, Args)]
pub struct SigninArgs {
    /// Where to sign in.
    #[arg(value_enum)]
    pub provider: Provider,
    /// The OAuth client.
    #[command(flatten)]
    pub client: GoogleClientArgs,
    /// Sign in for this saved profile (made with `hoist profile add --oauth`): its OAuth
    /// client, account and scopes.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["client_id", "client_secret_env", "account", "scopes"])]
    pub profile: Option<String>,
    /// What Hoist may do, comma-separated: youtube (upload videos), drive (files Hoist creates),
    /// storage (Cloud Storage objects).
    #[arg(long, value_delimiter = ',', required_unless_present = "profile")]
    pub scopes: Vec<String>,
    /// Only print the address to open; do not try to launch a browser.
    #[arg(long)]
    pub no_browser: bool,
    /// How long to wait for the browser.
    #[arg(long, value_parser = parse_duration, default_value = "5m")]
    pub timeout: Duration,
}

/// Arguments of `hoist signout`.
#[derive(Debug, Args)]
pub struct SignoutArgs {
    /// Where to sign out.
    #[arg(value_enum)]
    pub provider: Provider,
    /// Sign out the saved profile's sign-in.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["client_id", "client_secret_env", "account"])]
    pub profile: Option<String>,
    /// The OAuth client.
    #[command(flatten)]
    pub client: GoogleClientArgs,
}

/// `hoist signin google`.
pub fn signin(args: SigninArgs) -> anyhow::Result<()> {
    let Provider::Google = args.provider;
    if let Some(name) = &args.profile {
        let dirs = HoistDirs::discover()?;
        let no_browser = args.no_browser;
        let runtime = job_runtime()?;
        let account = manage::sign_in(
            runtime.handle(),
            &dirs,
            name,
            |url| open_browser(url, no_browser),
            args.timeout,
            None,
        )?;
        eprintln!(
            "Signed in to Google as '{account}' for the profile '{name}'. The sign-in is saved on this computer."
        );
        return Ok(());
    }
    let config = args.client.config()?;
    let mut scopes = Vec::new();
    for name in &args.scopes {
        let scope = auth::scope_named(name)
            .with_context(|| format!("unknown scope '{name}' (use youtube, drive or storage)"))?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    let store = auth::default_token_store()?;
    let runtime = job_runtime()?;
    let no_browser = args.no_browser;
    let tokens = runtime.block_on(auth::sign_in(
        &config,
        &scopes,
        |url| open_browser(url, no_browser),
        args.timeout,
    ))?;
    let client = OAuthClient::new(&config)?;
    let account = args.client.account();
    let key = auth::google_store_key(&account);
    OAuthCredentials::from_sign_in(client, store, &key, &tokens)?;
    eprintln!(
        "Signed in to Google as '{account}'. The sign-in is saved on this computer; upload with --oauth."
    );
    Ok(())
}

/// `hoist signout google`: revokes the saved sign-in at Google and forgets it.
pub fn signout(args: SignoutArgs) -> anyhow::Result<()> {
    let Provider::Google = args.provider;
    if let Some(name) = &args.profile {
        let dirs = HoistDirs::discover()?;
        if manage::sign_out(job_runtime()?.handle(), &dirs, name)? {
            eprintln!("Signed out of Google for the profile '{name}'.");
        } else {
            eprintln!("The profile '{name}' is not signed in to Google.");
        }
        return Ok(());
    }
    let config = args.client.config()?;
    let store = auth::default_token_store()?;
    let account = args.client.account();
    let key = auth::google_store_key(&account);
    if store.load(&key)?.is_none() {
        eprintln!("Not signed in to Google as '{account}'.");
        return Ok(());
    }
    let credentials = OAuthCredentials::new(OAuthClient::new(&config)?, store, key);
    job_runtime()?.block_on(credentials.revoke())?;
    eprintln!("Signed out of Google ('{account}').");
    Ok(())
}

/// Launches the browser on the consent page; prints the address when that fails (or when asked).
fn open_browser(url: &url::Url, no_browser: bool) {
    let launched = !no_browser && webbrowser::open(url.as_str()).is_ok();
    let mut err = std::io::stderr().lock();
    if launched {
        let _ = writeln!(
            err,
            "Your browser was opened to sign in to Google. If it did not appear, open this address:\n\n  {url}\n"
        );
    } else {
        let _ = writeln!(
            err,
            "Open this address in your browser to sign in to Google:\n\n  {url}\n"
        );
    }
    let _ = writeln!(err, "Waiting for the browser…");
    let _ = err.flush();
}
