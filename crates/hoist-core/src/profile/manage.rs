//! Saving, removing and testing profiles together with their secrets: the steps the command
//! line and the window share.

use std::sync::Arc;

use super::{GoogleSignIn, Profile, ProfileError, ProfileStore, validate_name};
use crate::auth::{
    AuthError, OAuthClient, OAuthCredentials, SecretStoreTokens, SecretString, TokenStore,
    google_store_key,
};
use crate::protocol::probe::{ProbeReport, destination_host, probe};
use crate::protocol::{Credentials, NoCredentials, StoredCredentials, http_client};
use crate::secrets::{Secret, SecretError, StoreChoice, store_secret};
use crate::store::HoistDirs;
use crate::upload::{AuthSource, SecretLocation, SecretRef, StoredHeader};

/// What to do with a profile's secret when it is saved.
#[derive(Debug, Clone)]
pub enum SecretUpdate {
    /// Keep the secret the profile already has (editing other settings).
    Keep,
    /// Store this main secret (token, API key) and keep the secret headers the profile has.
    ReplaceMain(Secret),
    /// Store these: the main secret (token, API key) and secret headers `(name, value)`.
    Replace {
        /// The access token or API key.
        main: Option<Secret>,
        /// Secret request headers.
        headers: Vec<(String, Secret)>,
    },
}

/// Where a saved profile's secret went.
#[derive(Debug, Clone, Default)]
pub struct Saved {
    /// The store, in words; `None` when the profile has no secret.
    pub kept_in: Option<String>,
    /// Set when the secret went to the secrets file only because there is no keyring.
    pub warning: Option<String>,
    /// The same, typed, for the window's own words.
    pub no_keyring: Option<crate::secrets::NoKeyring>,
    /// Set when an old secret the profile no longer uses could not be deleted.
    pub leftover: Option<String>,
}

/// Saves `profile` as `name` with its secret. Fails without writing anything when the
/// profiles file is broken or `name` exists and `replace` is false.
pub fn save(
    dirs: &HoistDirs,
    name: &str,
    mut profile: Profile,
    secret: SecretUpdate,
    replace: bool,
) -> Result<Saved, ProfileError> {
    validate_name(name)?;
    profile.check_address(name)?;
    profile.destination(name)?;
    let store = ProfileStore::new(dirs);
    // Read the file first: a broken one stops here, before any secret is stored.
    let existing = store.load()?;
    let previous = existing.profiles.get(name).cloned();
    if previous.is_some() && !replace {
        return Err(ProfileError::Exists {
            name: name.to_string(),
        });
    }
    let mut saved = Saved::default();
    let replacement = match secret {
        SecretUpdate::Keep => None,
        SecretUpdate::ReplaceMain(main) => {
            Some((Some(main), previous_headers(dirs, name, previous.as_ref())?))
        }
        SecretUpdate::Replace { main, headers } => Some((main, headers)),
    };
    match replacement {
        None => {
            profile.secret = previous.as_ref().and_then(|p| p.secret.clone());
            if profile.secret.is_some() {
                saved.kept_in = profile.secret.as_ref().map(|s| place(dirs, s.store));
            }
        }
        Some((main, headers)) => {
            let mut items: Vec<(String, Secret)> = Vec::new();
            let key = main.map(|secret| {
                let key = Profile::secret_key(name);
                items.push((key.clone(), secret));
                key
            });
            let mut stored_headers = Vec::new();
            for (header, secret) in headers {
                let key = Profile::header_key(name, &header);
                items.push((key.clone(), secret));
                stored_headers.push(StoredHeader { name: header, key });
            }
            profile.secret = None;
            if !items.is_empty() {
                let choice = StoreChoice::resolve(existing.secret_store)?;
                let stored = store_secret(dirs, choice, &items)?;
                saved.warning = stored.warning;
                saved.no_keyring = stored.no_keyring;
                saved.kept_in = Some(stored.described);
                profile.secret = Some(SecretRef {
                    store: stored.location,
                    key,
                    headers: stored_headers,
                });
            }
        }
    }
    let new_secret = profile.secret.clone();
    store.update(|file| {
        file.profiles.insert(name.to_string(), profile);
        Ok(())
    })?;
    // Secrets the replaced profile had that the new one does not use.
    if let Some(old) = previous.and_then(|p| p.secret) {
        let kept = secret_keys(new_secret.as_ref());
        if let Err(error) = delete_secrets(dirs, &old, |location, key| {
            kept.iter().any(|(l, k)| *l == location && k == key)
        }) {
            saved.leftover = Some(error.to_string());
        }
    }
    Ok(saved)
}

/// The values of the secret headers `previous` has, read back to be stored again beside a new
/// main secret.
fn previous_headers(
    dirs: &HoistDirs,
    name: &str,
    previous: Option<&Profile>,
) -> Result<Vec<(String, Secret)>, ProfileError> {
    let Some(old) = previous.and_then(|p| p.secret.as_ref()) else {
        return Ok(Vec::new());
    };
    if old.headers.is_empty() {
        return Ok(Vec::new());
    }
    let store = crate::secrets::open(old.store, dirs)?;
    let mut headers = Vec::with_capacity(old.headers.len());
    for header in &old.headers {
        match store.get(&header.key)? {
            Some(value) => headers.push((header.name.clone(), value)),
            None => {
                return Err(ProfileError::Incomplete {
                    name: name.to_string(),
                    detail: format!(
                        "the value of its secret header {} is missing from {}; add the profile again with `hoist profile add --replace`",
                        header.name,
                        old.store.label()
                    ),
                });
            }
        }
    }
    Ok(headers)
}

/// What [`remove`] did.
#[derive(Debug)]
pub struct Removed {
    /// The store the profile's secret was deleted from, if it had one.
    pub secret_deleted_from: Option<SecretLocation>,
    /// Set when the profile is gone but its secret could not be deleted.
    pub secret_error: Option<(SecretLocation, SecretError)>,
    /// Its saved Google sign-in was forgotten on this computer (not revoked at Google).
    pub sign_in_forgotten: bool,
}

/// Removes the profile `name` and deletes its secrets.
pub fn remove(dirs: &HoistDirs, name: &str) -> Result<Removed, ProfileError> {
    let store = ProfileStore::new(dirs);
    let profile = store.get(name)?;
    store.update(|file| {
        file.profiles.remove(name);
        Ok(())
    })?;
    let mut removed = Removed {
        secret_deleted_from: None,
        secret_error: None,
        sign_in_forgotten: false,
    };
    if let Some(secret) = &profile.secret {
        match delete_secrets(dirs, secret, |_, _| false) {
            Ok(()) => removed.secret_deleted_from = Some(secret.store),
            Err(error) => removed.secret_error = Some((secret.store, error)),
        }
    }
    // Its saved Google sign-in too, unless another profile signs in with the same account.
    if let Some(sign_in) = &profile.google_sign_in {
        let account = sign_in.account_for(name);
        let shared = store.load().is_ok_and(|file| {
            file.profiles.iter().any(|(other, p)| {
                p.google_sign_in
                    .as_ref()
                    .is_some_and(|s| s.account_for(other) == account)
            })
        });
        let key = google_store_key(&account);
        if !shared
            && let Ok(tokens) = sign_in_tokens(dirs)
            && tokens.load(&key).ok().flatten().is_some()
        {
            removed.sign_in_forgotten = tokens.delete(&key).is_ok();
        }
    }
    Ok(removed)
}

/// The profile `name`, its Google sign-in settings and the OAuth client with its stored secret.
fn sign_in_client(
    dirs: &HoistDirs,
    name: &str,
) -> Result<(Profile, GoogleSignIn, crate::auth::GoogleOAuthConfig), ProfileError> {
    let profile = ProfileStore::new(dirs).get(name)?;
    profile.destination(name)?;
    let Some(sign_in) = profile.google_sign_in.clone() else {
        return Err(ProfileError::Incomplete {
            name: name.to_string(),
            detail: "it does not use a Google sign-in (it has its own secret)".to_string(),
        });
    };
    let client_secret = match profile
        .secret
        .as_ref()
        .and_then(|s| Some((s.store, s.key.clone()?)))
    {
        None => None,
        Some((location, key)) => match crate::secrets::open(location, dirs)?.get(&key)? {
            Some(secret) if !secret.is_empty() => {
                Some(SecretString::new(secret.expose().trim().to_string()))
            }
            _ => {
                return Err(ProfileError::Incomplete {
                    name: name.to_string(),
                    detail: format!(
                        "its OAuth client secret is missing from {}; save the profile again with it",
                        location.label()
                    ),
                });
            }
        },
    };
    let config = sign_in.config(client_secret);
    Ok((profile, sign_in, config))
}

/// Where sign-ins of profiles are kept: the secret store the profiles file (or
/// `HOIST_SECRET_STORE`) chooses, like the profiles' own secrets.
fn sign_in_tokens(dirs: &HoistDirs) -> Result<SecretStoreTokens, ProfileError> {
    let file = ProfileStore::new(dirs).load()?;
    let choice = StoreChoice::resolve(file.secret_store)?;
    Ok(SecretStoreTokens::with_choice(dirs.clone(), choice))
}

/// Signs the profile `name` in to Google: `open_browser` is given the consent page, Hoist waits
/// (up to `timeout`) for the browser to come back, and saves the refresh token in the secret
/// store under the profile's account. Returns the account name. `cancel`, when notified, stops
/// the wait ([`AuthError::Cancelled`]). Runs on `jobs`, the engine's runtime (a multi-thread
/// one); blocking: call it from a plain thread, never the UI thread or one of the runtime's.
pub fn sign_in(
    jobs: &tokio::runtime::Handle,
    dirs: &HoistDirs,
    name: &str,
    open_browser: impl FnOnce(&url::Url),
    timeout: std::time::Duration,
    cancel: Option<Arc<tokio::sync::Notify>>,
) -> Result<String, ProfileError> {
    let (profile, sign_in, config) = sign_in_client(dirs, name)?;
    let account = sign_in.account_for(name);
    let scopes = profile.kind.google_scopes();
    let tokens = jobs.block_on(async {
        let signing_in = crate::auth::sign_in(&config, scopes, open_browser, timeout);
        match cancel {
            None => signing_in.await,
            Some(cancel) => tokio::select! {
                result = signing_in => result,
                () = cancel.notified() => Err(AuthError::Cancelled),
            },
        }
    })?;
    let store: Arc<dyn TokenStore> = Arc::new(sign_in_tokens(dirs)?);
    OAuthCredentials::from_sign_in(
        OAuthClient::new(&config)?,
        store,
        google_store_key(&account),
        &tokens,
    )?;
    Ok(account)
}

/// Whether a sign-in is saved for the profile `name` (without asking Google).
pub fn is_signed_in(dirs: &HoistDirs, name: &str) -> Result<bool, ProfileError> {
    let profile = ProfileStore::new(dirs).get(name)?;
    let Some(sign_in) = &profile.google_sign_in else {
        return Ok(false);
    };
    let store = sign_in_tokens(dirs)?;
    Ok(store
        .load(&google_store_key(&sign_in.account_for(name)))
        .map_err(AuthError::from)?
        .is_some())
}

/// Revokes the profile's sign-in at Google and forgets it. Returns false when none was saved.
/// Runs on `jobs` like [`sign_in`] (blocking).
pub fn sign_out(
    jobs: &tokio::runtime::Handle,
    dirs: &HoistDirs,
    name: &str,
) -> Result<bool, ProfileError> {
    let (_, sign_in, config) = sign_in_client(dirs, name)?;
    let key = google_store_key(&sign_in.account_for(name));
    let store: Arc<dyn TokenStore> = Arc::new(sign_in_tokens(dirs)?);
    if store.load(&key).map_err(AuthError::from)?.is_none() {
        return Ok(false);
    }
    let credentials = OAuthCredentials::new(OAuthClient::new(&config)?, store, key);
    jobs.block_on(credentials.revoke())?;
    Ok(true)
}

/// Checks that the profile's service answers and accepts its credentials. Runs on `jobs` like
/// [`sign_in`] (blocking).
pub fn test_connection(
    jobs: &tokio::runtime::Handle,
    dirs: &HoistDirs,
    name: &str,
) -> Result<ProbeReport, ProfileError> {
    let profile = ProfileStore::new(dirs).get(name)?;
    let destination = profile.destination(name)?;
    let credentials: Arc<dyn Credentials> = match &destination.auth {
        AuthSource::Stored(reference) => Arc::new(StoredCredentials::with_dirs(
            (**reference).clone(),
            dirs.clone(),
        )),
        AuthSource::GoogleOauth(source) => {
            let (_, _, config) = sign_in_client(dirs, name)?;
            Arc::new(OAuthCredentials::new(
                OAuthClient::new(&config)?,
                Arc::new(sign_in_tokens(dirs)?),
                google_store_key(&source.account),
            ))
        }
        _ => Arc::new(NoCredentials),
    };
    Ok(jobs.block_on(async {
        match http_client() {
            Ok(http) => probe(&http, &destination, credentials.as_ref()).await,
            Err(error) => ProbeReport::from_error(&error, destination_host(&destination.service)),
        }
    }))
}

/// Where secrets kept in `location` are, in words (without opening the keyring).
pub fn place(dirs: &HoistDirs, location: SecretLocation) -> String {
    match location {
        SecretLocation::Keyring => "the system keyring (service \"hoist\")".to_string(),
        SecretLocation::File => {
            use crate::secrets::SecretStore as _;
            crate::secrets::FileSecretStore::in_dirs(dirs).describe()
        }
    }
}

fn secret_keys(secret: Option<&SecretRef>) -> Vec<(SecretLocation, String)> {
    secret
        .iter()
        .flat_map(|s| {
            s.key
                .iter()
                .cloned()
                .chain(s.headers.iter().map(|h| h.key.clone()))
                .map(move |k| (s.store, k))
        })
        .collect()
}

/// Deletes the secrets `reference` names, except those `keep` selects.
fn delete_secrets(
    dirs: &HoistDirs,
    reference: &SecretRef,
    keep: impl Fn(SecretLocation, &str) -> bool,
) -> Result<(), SecretError> {
    let keys: Vec<String> = secret_keys(Some(reference))
        .into_iter()
        .filter(|(location, key)| !keep(*location, key))
        .map(|(_, key)| key)
        .collect();
    if keys.is_empty() {
        return Ok(());
    }
    let store = crate::secrets::open(reference.store, dirs)?;
    for key in keys {
        store.delete(&key)?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;
    use crate::profile::ProfileKind;

    /// A private Hoist home whose profiles file chooses the secrets file knowingly (no
    /// environment needed).
    fn home_with_the_file_store() -> (tempfile::TempDir, HoistDirs) {
        let home = tempfile::tempdir().expect("tempdir");
        let dirs = HoistDirs::from_home(home.path());
        ProfileStore::new(&dirs)
            .save(&crate::profile::ProfileFile {
                secret_store: StoreChoice::File,
                ..Default::default()
            })
            .expect("settings");
        (home, dirs)
    }

    #[test]
    fn save_refuses_plain_http_to_another_computer_before_storing_anything() {
        let (_home, dirs) = home_with_the_file_store();
        let remote = Profile {
            endpoint: Some("http://upload.example.com/files/".to_string()),
            ..Profile::new(ProfileKind::Tus)
        };
        let error = save(
            &dirs,
            "remote",
            remote,
            SecretUpdate::Replace {
                main: Some(Secret::new("tok-r")),
                headers: Vec::new(),
            },
            false,
        )
        .expect_err("plain http elsewhere");
        assert!(
            matches!(
                &error,
                ProfileError::BadAddress {
                    problem: crate::profile::AddressProblem::PlainHttp { host },
                    ..
                } if host == "upload.example.com"
            ),
            "{error}"
        );
        assert!(
            ProfileStore::new(&dirs)
                .load()
                .expect("load")
                .profiles
                .is_empty()
        );
        assert!(
            !crate::secrets::FileSecretStore::in_dirs(&dirs)
                .path()
                .exists()
        );
    }

    #[test]
    fn save_keep_replace_and_remove_with_the_file_store() {
        let (_home, dirs) = home_with_the_file_store();
        let profile = Profile {
            endpoint: Some("http://127.0.0.1:9/files".to_string()),
            ..Profile::new(ProfileKind::Tus)
        };
        let saved = save(
            &dirs,
            "t",
            profile.clone(),
            SecretUpdate::Replace {
                main: Some(Secret::new("tok-a")),
                headers: vec![("X-Api".to_string(), Secret::new("hdr-a"))],
            },
            false,
        )
        .expect("save");
        assert!(saved.kept_in.expect("kept").contains("secrets file"));
        let file = crate::secrets::FileSecretStore::in_dirs(&dirs);
        use crate::secrets::SecretStore as _;
        assert_eq!(
            file.get("profile/t/header/x-api").expect("get"),
            Some(Secret::new("hdr-a"))
        );
        assert!(matches!(
            save(&dirs, "t", profile.clone(), SecretUpdate::Keep, false),
            Err(ProfileError::Exists { .. })
        ));
        // Editing other settings keeps the secret.
        let edited = Profile {
            title: Some("Talks".to_string()),
            ..profile.clone()
        };
        save(&dirs, "t", edited, SecretUpdate::Keep, true).expect("edit");
        let stored = ProfileStore::new(&dirs).get("t").expect("get");
        assert_eq!(stored.title.as_deref(), Some("Talks"));
        assert!(stored.secret.is_some());
        // A new main secret alone (the window's secret field) keeps the header secret.
        save(
            &dirs,
            "t",
            profile.clone(),
            SecretUpdate::ReplaceMain(Secret::new("tok-a2")),
            true,
        )
        .expect("new main secret");
        assert_eq!(
            file.get("profile/t").expect("get"),
            Some(Secret::new("tok-a2"))
        );
        assert_eq!(
            file.get("profile/t/header/x-api").expect("get"),
            Some(Secret::new("hdr-a"))
        );
        let headers = ProfileStore::new(&dirs)
            .get("t")
            .expect("get")
            .secret
            .expect("secret")
            .headers;
        assert_eq!(headers.len(), 1);
        assert_eq!(headers[0].name, "X-Api");
        // Replacing with only a main secret deletes the old header secret.
        save(
            &dirs,
            "t",
            profile,
            SecretUpdate::Replace {
                main: Some(Secret::new("tok-b")),
                headers: Vec::new(),
            },
            true,
        )
        .expect("replace");
        assert_eq!(file.get("profile/t/header/x-api").expect("get"), None);
        assert_eq!(
            file.get("profile/t").expect("get"),
            Some(Secret::new("tok-b"))
        );
        let removed = remove(&dirs, "t").expect("remove");
        assert_eq!(removed.secret_deleted_from, Some(SecretLocation::File));
        assert_eq!(file.get("profile/t").expect("get"), None);
        assert!(matches!(
            remove(&dirs, "t"),
            Err(ProfileError::NotFound { .. })
        ));
    }
}
