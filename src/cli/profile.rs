//! `hoist profile add|list|show|remove|test`.

use std::io::{BufRead as _, IsTerminal as _};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;

use super::args::{ProfileAddArgs, ProfileCommand};
use crate::profile::{Profile, ProfileError, ProfileStore, validate_name};
use crate::protocol::{Credentials, NoCredentials, StoredCredentials, http_client, probe};
use crate::secrets::{Secret, StoreChoice, store_secret};
use crate::store::HoistDirs;
use crate::upload::{AuthSource, Destination, SecretRef, StoredHeader};

/// Runs one `hoist profile` command.
pub(crate) fn run(command: ProfileCommand, dirs: &HoistDirs) -> anyhow::Result<ExitCode> {
    let store = ProfileStore::new(dirs);
    match command {
        ProfileCommand::Add(args) => add(*args, dirs, &store),
        ProfileCommand::List { json } => list(&store, json),
        ProfileCommand::Show { name, json } => show(&store, dirs, &name, json),
        ProfileCommand::Remove { name } => remove(&store, dirs, &name),
        ProfileCommand::Test { name } => test(&store, dirs, &name),
    }
}

/// The profile `name` turned into a destination, with the command line's options applied, and
/// the chunk size it asks for. Used by `hoist upload --profile`.
pub(crate) fn destination_for(
    dirs: &HoistDirs,
    name: &str,
    overrides: &super::args::DestinationArgs,
) -> anyhow::Result<(Destination, Option<u64>)> {
    let mut profile = ProfileStore::new(dirs).get(name)?;
    if let Some(kind) = overrides.kind
        && kind.into_profile_kind() != profile.kind
    {
        anyhow::bail!(
            "the profile '{name}' sends to {}, not {}; drop --kind or use another profile",
            profile.kind.as_str(),
            kind.into_profile_kind().as_str()
        );
    }
    overrides.apply_to(&mut profile);
    let mut destination = profile.destination(name)?;
    if let Some(auth) = overrides.auth() {
        destination.auth = auth;
    }
    Ok((destination, profile.chunk_size_bytes))
}

fn add(args: ProfileAddArgs, dirs: &HoistDirs, store: &ProfileStore) -> anyhow::Result<ExitCode> {
    let name = args.name.as_str();
    validate_name(name)?;
    let kind = args
        .destination
        .kind
        .ok_or_else(|| anyhow::anyhow!("say what kind of destination it is: --kind KIND"))?
        .into_profile_kind();
    if args.destination.token_env.is_some() {
        anyhow::bail!(
            "a profile keeps its own secret: use --secret-env VAR or --secret-stdin (--token-env is for one-off uploads)"
        );
    }
    let mut profile = Profile::new(kind);
    args.destination.apply_to(&mut profile);
    profile.chunk_size_bytes = args.chunk_size;
    let destination = profile.destination(name)?;
    // The URLs and the chunk size, checked now for a nominal 1 GiB file; each file's own size
    // is checked when it is queued.
    const NOMINAL_SIZE_BYTES: u64 = 1 << 30;
    crate::protocol::validate_upload(&destination, NOMINAL_SIZE_BYTES, profile.chunk_size_bytes)
        .or_else(|e| match e {
            crate::protocol::ProtocolError::OverLimit { .. } => Ok(()),
            other => Err(other),
        })
        .map_err(|e| anyhow::anyhow!("profile '{name}': {e}"))?;

    // Read the file first: a broken one stops here, before any secret is stored.
    let existing = store.load()?;
    let previous = existing.profiles.get(name).cloned();
    if previous.is_some() && !args.replace {
        return Err(ProfileError::Exists {
            name: name.to_string(),
        }
        .into());
    }

    let GivenSecrets { main, headers } = read_secrets(&args, kind.secret_meaning())?;
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
    let mut where_kept = None;
    if !items.is_empty() {
        let choice = StoreChoice::resolve(existing.secret_store)?;
        let stored = store_secret(dirs, choice, &items)?;
        if let Some(warning) = &stored.warning {
            eprintln!("warning: {warning}");
        }
        profile.secret = Some(SecretRef {
            store: stored.location,
            key,
            headers: stored_headers,
        });
        where_kept = Some(stored.described);
    }

    let saved = profile.clone();
    store.update(|file| {
        file.profiles.insert(name.to_string(), saved);
        Ok(())
    })?;
    // Secrets the replaced profile had that the new one does not use.
    if let Some(old) = previous.and_then(|p| p.secret) {
        let kept: Vec<(crate::upload::SecretLocation, String)> = profile
            .secret
            .iter()
            .flat_map(|s| {
                s.key
                    .iter()
                    .cloned()
                    .chain(s.headers.iter().map(|h| h.key.clone()))
                    .map(move |k| (s.store, k))
            })
            .collect();
        if let Err(error) = delete_secrets(dirs, &old, |location, key| {
            kept.iter().any(|(l, k)| *l == location && k == key)
        }) {
            eprintln!("warning: the replaced profile's old secret could not be deleted: {error}");
        }
    }

    println!("Saved profile '{name}': {}.", destination.service.label());
    match where_kept {
        Some(place) => println!("Its secret is kept in {place}."),
        None => println!(
            "No secret stored; uploads will send no credentials (add one with --secret-stdin or --secret-env and --replace)."
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// The secrets `hoist profile add` was given.
#[derive(Default)]
struct GivenSecrets {
    /// The access token or API key.
    main: Option<Secret>,
    /// Secret request headers, `(name, value)`.
    headers: Vec<(String, Secret)>,
}

/// Reads the secrets from the environment variable or standard input, as asked.
fn read_secrets(args: &ProfileAddArgs, meaning: &str) -> anyhow::Result<GivenSecrets> {
    if let Some(var) = &args.secret_env {
        let value = std::env::var(var)
            .with_context(|| format!("the environment variable {var} is not set"))?;
        let secret = Secret::new(value);
        if secret.is_empty() {
            anyhow::bail!("the environment variable {var} is empty");
        }
        return Ok(GivenSecrets {
            main: Some(secret),
            headers: Vec::new(),
        });
    }
    if !args.secret_stdin {
        return Ok(GivenSecrets::default());
    }
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let mut lines = stdin.lock().lines();
    let mut next = |what: &str| -> anyhow::Result<Secret> {
        if interactive {
            eprintln!(
                "Type or paste the {what}, then press Enter (it shows as you type; --secret-env avoids that):"
            );
        }
        let line = lines
            .next()
            .transpose()
            .context("could not read standard input")?
            .unwrap_or_default();
        let secret = Secret::new(line);
        if secret.is_empty() {
            anyhow::bail!("no {what} on standard input");
        }
        Ok(secret)
    };
    if args.secret_header.is_empty() {
        return Ok(GivenSecrets {
            main: Some(next(meaning)?),
            headers: Vec::new(),
        });
    }
    let mut headers = Vec::new();
    for header in &args.secret_header {
        let valid = !header.is_empty()
            && header
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
        if !valid {
            anyhow::bail!("'{header}' is not a valid header name");
        }
        let secret = next(&format!("value of the {header} header"))?;
        headers.push((header.clone(), secret));
    }
    Ok(GivenSecrets {
        main: None,
        headers,
    })
}

/// Deletes the secrets `reference` names, except those `keep` selects.
fn delete_secrets(
    dirs: &HoistDirs,
    reference: &SecretRef,
    keep: impl Fn(crate::upload::SecretLocation, &str) -> bool,
) -> anyhow::Result<()> {
    let keys: Vec<&String> = reference
        .key
        .iter()
        .chain(reference.headers.iter().map(|h| &h.key))
        .filter(|key| !keep(reference.store, key))
        .collect();
    if keys.is_empty() {
        return Ok(());
    }
    let store = crate::secrets::open(reference.store, dirs)?;
    for key in keys {
        store.delete(key)?;
    }
    Ok(())
}

fn list(store: &ProfileStore, json: bool) -> anyhow::Result<ExitCode> {
    let file = store.load()?;
    if file.profiles.is_empty() && !json {
        println!("No profiles yet (add one with `hoist profile add NAME --kind KIND ...`).");
    }
    for (name, profile) in &file.profiles {
        let destination = profile
            .service(name)
            .map(|s| s.label())
            .unwrap_or_else(|e| format!("incomplete: {e}"));
        let secret = profile.secret.as_ref().map(|s| s.store.label());
        if json {
            let line = serde_json::json!({
                "name": name,
                "kind": profile.kind.as_str(),
                "destination": destination,
                "endpoint": profile.effective_endpoint(),
                "secret_store": profile.secret.as_ref().map(|s| s.store),
            });
            println!("{line}");
        } else {
            println!(
                "{name:<20} {:<16} {destination}  [secret: {}]",
                profile.kind.as_str(),
                secret.unwrap_or("none")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(
    store: &ProfileStore,
    dirs: &HoistDirs,
    name: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let profile = store.get(name)?;
    let kept_in = secret_place(dirs, profile.secret.as_ref());
    if json {
        let mut value = serde_json::to_value(&profile)?;
        if let Some(object) = value.as_object_mut() {
            object.insert("name".to_string(), name.into());
            object.insert("endpoint".to_string(), profile.effective_endpoint().into());
            object.insert("secret_kept_in".to_string(), kept_in.clone().into());
        }
        println!("{value}");
        return Ok(ExitCode::SUCCESS);
    }
    println!("Profile:   {name}");
    println!("Kind:      {}", profile.kind.as_str());
    match profile.service(name) {
        Ok(service) => println!("Sends to:  {}", service.label()),
        Err(e) => println!("Sends to:  (incomplete: {e})"),
    }
    if let Some(endpoint) = profile.effective_endpoint() {
        println!(
            "Endpoint:  {endpoint}{}",
            if profile.endpoint.is_none() {
                " (default)"
            } else {
                ""
            }
        );
    }
    let options = serde_json::to_value(&profile)?;
    if let Some(object) = options.as_object() {
        for (field, value) in object {
            let shown = match value {
                serde_json::Value::Null => continue,
                serde_json::Value::String(s) if s.is_empty() => continue,
                serde_json::Value::Array(a) if a.is_empty() => continue,
                serde_json::Value::Bool(false) => continue,
                _ if matches!(field.as_str(), "kind" | "endpoint" | "secret") => continue,
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            println!("  {field}: {shown}");
        }
    }
    match (&profile.secret, kept_in) {
        (Some(secret), Some(place)) => {
            let what = match (&secret.key, secret.headers.is_empty()) {
                (Some(_), true) => format!("Its {}", profile.kind.secret_meaning()),
                (Some(_), false) => format!(
                    "Its {} and the value of header(s) {}",
                    profile.kind.secret_meaning(),
                    header_names(secret)
                ),
                (None, _) => format!("The value of header(s) {}", header_names(secret)),
            };
            println!("Secret:    {what} is kept in {place}; Hoist never shows it.");
        }
        _ => println!("Secret:    none stored"),
    }
    Ok(ExitCode::SUCCESS)
}

fn header_names(secret: &SecretRef) -> String {
    secret
        .headers
        .iter()
        .map(|h| h.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a profile's secret is, in words (without opening the keyring).
fn secret_place(dirs: &HoistDirs, secret: Option<&SecretRef>) -> Option<String> {
    let secret = secret?;
    Some(match secret.store {
        crate::upload::SecretLocation::Keyring => {
            "the system keyring (service \"hoist\")".to_string()
        }
        crate::upload::SecretLocation::File => {
            use crate::secrets::SecretStore as _;
            crate::secrets::FileSecretStore::in_dirs(dirs).describe()
        }
    })
}

fn remove(store: &ProfileStore, dirs: &HoistDirs, name: &str) -> anyhow::Result<ExitCode> {
    let profile = store.get(name)?;
    store.update(|file| {
        file.profiles.remove(name);
        Ok(())
    })?;
    println!("Removed profile '{name}'.");
    if let Some(secret) = &profile.secret {
        if let Err(error) = delete_secrets(dirs, secret, |_, _| false) {
            eprintln!(
                "hoist: the profile is gone, but its secret could not be deleted from {}: {error:#}",
                secret.store.label()
            );
            return Ok(ExitCode::FAILURE);
        }
        println!("Its secret was deleted from {}.", secret.store.label());
    }
    Ok(ExitCode::SUCCESS)
}

fn test(store: &ProfileStore, dirs: &HoistDirs, name: &str) -> anyhow::Result<ExitCode> {
    let profile = store.get(name)?;
    let destination = profile.destination(name)?;
    let credentials: Arc<dyn Credentials> = match &destination.auth {
        AuthSource::Stored(reference) => Arc::new(StoredCredentials::with_dirs(
            (**reference).clone(),
            dirs.clone(),
        )),
        _ => Arc::new(NoCredentials),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the network runtime")?;
    let report = runtime.block_on(async {
        let http = http_client()?;
        Ok::<_, crate::protocol::ProtocolError>(
            probe::probe(&http, &destination, credentials.as_ref()).await,
        )
    })?;
    if report.ok {
        println!("OK: {}", report.message);
        Ok(ExitCode::SUCCESS)
    } else {
        println!("Failed: {}", report.message);
        Ok(ExitCode::FAILURE)
    }
}
