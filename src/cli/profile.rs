//! `hoist profile add|list|show|remove|test`.

use std::io::{BufRead as _, IsTerminal as _};
use std::process::ExitCode;

use anyhow::Context as _;

use super::args::{ProfileAddArgs, ProfileCommand};
use hoist_core::profile::manage::{self, SecretUpdate};
use hoist_core::profile::{Profile, ProfileStore, validate_name};
use hoist_core::secrets::Secret;
use hoist_core::store::HoistDirs;
use hoist_core::upload::{Destination, SecretRef};

/// Runs one `hoist profile` command.
pub(crate) fn run(command: ProfileCommand, dirs: &HoistDirs) -> anyhow::Result<ExitCode> {
    let store = ProfileStore::new(dirs);
    match command {
        ProfileCommand::Add(args) => add(*args, dirs),
        ProfileCommand::List { json } => list(&store, json),
        ProfileCommand::Show { name, json } => show(&store, dirs, &name, json),
        ProfileCommand::Remove { name } => remove(dirs, &name),
        ProfileCommand::Test { name } => test(dirs, &name),
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

fn add(args: ProfileAddArgs, dirs: &HoistDirs) -> anyhow::Result<ExitCode> {
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
    if args.destination.oauth {
        if !kind.is_google() {
            anyhow::bail!(
                "--oauth is for Google destinations (youtube, drive, cloud-storage, google-resumable), not {}",
                kind.as_str()
            );
        }
        profile.google_sign_in = Some(args.destination.oauth_client.profile_sign_in()?);
    }
    let destination = profile.destination(name)?;
    // The URLs and the chunk size, checked now for a nominal 1 GiB file; each file's own size
    // is checked when it is queued.
    const NOMINAL_SIZE_BYTES: u64 = 1 << 30;
    hoist_core::protocol::validate_upload(
        &destination,
        NOMINAL_SIZE_BYTES,
        profile.chunk_size_bytes,
    )
    .or_else(|e| match e {
        hoist_core::protocol::ProtocolError::OverLimit { .. } => Ok(()),
        other => Err(other),
    })
    .map_err(|e| anyhow::anyhow!("profile '{name}': {e}"))?;

    let GivenSecrets { main, headers } = match (
        &args.destination.oauth_client.client_secret_env,
        args.secret_stdin || args.secret_env.is_some(),
    ) {
        // `--oauth --client-secret-env VAR`: the client secret, stored like any secret.
        (Some(var), false) if args.destination.oauth => GivenSecrets {
            main: Some(secret_from_env(var)?),
            headers: Vec::new(),
        },
        _ => read_secrets(&args, profile.secret_meaning())?,
    };
    let profile_signs_in = profile.google_sign_in.is_some();
    let saved = manage::save(
        dirs,
        name,
        profile,
        SecretUpdate::Replace { main, headers },
        args.replace,
    )?;
    if let Some(warning) = &saved.warning {
        eprintln!("warning: {warning}");
    }
    if let Some(leftover) = &saved.leftover {
        eprintln!("warning: the replaced profile's old secret could not be deleted: {leftover}");
    }
    let where_kept = saved.kept_in;
    println!("Saved profile '{name}': {}.", destination.service.label());
    if profile_signs_in {
        match &where_kept {
            Some(place) => println!("Its OAuth client secret is kept in {place}."),
            None => println!("Its OAuth client has no secret."),
        }
        println!("Sign in to Google for it with: hoist signin google --profile {name}");
        return Ok(ExitCode::SUCCESS);
    }
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

/// The secret in the environment variable `var`, which must be set and not empty.
fn secret_from_env(var: &str) -> anyhow::Result<Secret> {
    let value =
        std::env::var(var).with_context(|| format!("the environment variable {var} is not set"))?;
    let secret = Secret::new(value);
    if secret.is_empty() {
        anyhow::bail!("the environment variable {var} is empty");
    }
    Ok(secret)
}

/// Reads the secrets from the environment variable or standard input, as asked.
fn read_secrets(args: &ProfileAddArgs, meaning: &str) -> anyhow::Result<GivenSecrets> {
    if let Some(var) = &args.secret_env {
        return Ok(GivenSecrets {
            main: Some(secret_from_env(var)?),
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
        // The name the window shows ("My videos"), when it is not the key itself.
        let label = profile.label(name);
        if json {
            let line = serde_json::json!({
                "name": name,
                "display_name": label,
                "kind": profile.kind.as_str(),
                "destination": destination,
                "endpoint": profile.effective_endpoint(),
                "secret_store": profile.secret.as_ref().map(|s| s.store),
            });
            println!("{line}");
        } else {
            let shown = if label == *name {
                name.clone()
            } else {
                format!("{name} (\"{label}\")")
            };
            println!(
                "{shown:<20} {:<16} {destination}  [secret: {}]",
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
                _ if matches!(
                    field.as_str(),
                    "kind" | "endpoint" | "secret" | "google_sign_in"
                ) =>
                {
                    continue;
                }
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            println!("  {field}: {shown}");
        }
    }
    match (&profile.secret, kept_in) {
        (Some(secret), Some(place)) => {
            let what = match (&secret.key, secret.headers.is_empty()) {
                (Some(_), true) => format!("Its {}", profile.secret_meaning()),
                (Some(_), false) => format!(
                    "Its {} and the value of header(s) {}",
                    profile.secret_meaning(),
                    header_names(secret)
                ),
                (None, _) => format!("The value of header(s) {}", header_names(secret)),
            };
            println!("Secret:    {what} is kept in {place}; Hoist never shows it.");
        }
        _ => println!("Secret:    none stored"),
    }
    if let Some(sign_in) = &profile.google_sign_in {
        let account = sign_in.account_for(name);
        let state = match manage::is_signed_in(dirs, name) {
            Ok(true) => "signed in".to_string(),
            Ok(false) => format!("not signed in yet (hoist signin google --profile {name})"),
            Err(e) => format!("unknown ({e})"),
        };
        println!(
            "Sign-in:   Google, OAuth client {}, saved as '{account}': {state}",
            sign_in.client_id
        );
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
    secret.map(|s| manage::place(dirs, s.store))
}

fn remove(dirs: &HoistDirs, name: &str) -> anyhow::Result<ExitCode> {
    let removed = manage::remove(dirs, name)?;
    println!("Removed profile '{name}'.");
    if let Some((location, error)) = removed.secret_error {
        eprintln!(
            "hoist: the profile is gone, but its secret could not be deleted from {}: {error}",
            location.label()
        );
        return Ok(ExitCode::FAILURE);
    }
    if let Some(location) = removed.secret_deleted_from {
        println!("Its secret was deleted from {}.", location.label());
    }
    if removed.sign_in_forgotten {
        println!("Its Google sign-in was forgotten on this computer.");
    }
    Ok(ExitCode::SUCCESS)
}

fn test(dirs: &HoistDirs, name: &str) -> anyhow::Result<ExitCode> {
    let runtime = super::jobs::job_runtime()?;
    let report = manage::test_connection(runtime.handle(), dirs, name)?;
    if report.ok() {
        println!("OK: {}", report.detail);
        Ok(ExitCode::SUCCESS)
    } else {
        println!("Failed: {}", report.detail);
        Ok(ExitCode::FAILURE)
    }
}
