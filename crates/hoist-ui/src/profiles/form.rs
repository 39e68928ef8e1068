//! The profile editor's contents ([`Editor`]): the service picked, the text typed, and the
//! checks Save makes before anything is written.

use super::*;

pub(super) const PRIVACIES: [Privacy; 3] = [Privacy::Private, Privacy::Unlisted, Privacy::Public];

const MIB: u64 = 1024 * 1024;

/// The form's contents: text buffers for the optional fields.
pub(super) struct Editor {
    /// The key of the profile being edited; `None` when adding.
    pub(super) editing: Option<String>,
    /// The service; `None` while the picker is shown.
    pub(super) service: Option<ServiceChoice>,
    /// The name people see (any text).
    pub(super) name: String,
    pub(super) profile: Profile,
    pub(super) endpoint: String,
    pub(super) title: String,
    pub(super) tags: String,
    pub(super) bucket: String,
    pub(super) folder_id: String,
    /// Sent in pieces of this many MiB; 0 sends each file in one stream.
    pub(super) chunk_size_mib: u64,
    /// The chunk size the profile had, kept exactly unless the MiB field is changed.
    original_chunk_bytes: Option<u64>,
    pub(super) parallel_chunks: usize,
    pub(super) secret: String,
    /// Google kinds: sign in (OAuth client below) instead of a pasted token.
    pub(super) sign_in: bool,
    pub(super) client_id: String,
}

impl Editor {
    /// A new profile: the service picker first.
    pub(super) fn new_profile() -> Editor {
        Editor {
            service: None,
            ..Editor::from_profile(None, Profile::new(ProfileKind::default()))
        }
    }

    /// The profile saved under the key `editing` (or a new one), under its service.
    pub(super) fn from_profile(editing: Option<String>, profile: Profile) -> Editor {
        Editor {
            name: editing
                .as_deref()
                .map(|key| profile.label(key))
                .unwrap_or_default(),
            editing,
            service: Some(ServiceChoice::from_kind(profile.kind)),
            endpoint: profile.endpoint.clone().unwrap_or_default(),
            title: profile.title.clone().unwrap_or_default(),
            tags: profile.tags.join(", "),
            bucket: profile.bucket.clone().unwrap_or_default(),
            folder_id: profile.folder_id.clone().unwrap_or_default(),
            chunk_size_mib: profile.chunk_size_bytes.unwrap_or(0).div_ceil(MIB),
            original_chunk_bytes: profile.chunk_size_bytes,
            parallel_chunks: profile.parallel_chunks.unwrap_or(DEFAULT_PARALLEL_CHUNKS),
            secret: String::new(),
            sign_in: profile.google_sign_in.is_some(),
            client_id: profile
                .google_sign_in
                .as_ref()
                .map(|s| s.client_id.clone())
                .unwrap_or_default(),
            profile,
        }
    }

    /// Picks the service (from the picker).
    pub(super) fn choose(&mut self, service: ServiceChoice) {
        self.service = Some(service);
        self.profile.kind = service.kind();
    }

    /// The service picked (the picker's default is never saved: Save needs a service).
    pub(super) fn service(&self) -> ServiceChoice {
        self.service
            .unwrap_or_else(|| ServiceChoice::from_kind(self.profile.kind))
    }

    /// Whether it signs in with Google rather than using a pasted token.
    pub(super) fn signs_in(&self) -> bool {
        self.sign_in && self.profile.kind.is_google()
    }

    /// The secret field's label, in the service's own terms.
    pub(super) fn secret_label(&self) -> &'static str {
        if self.signs_in() {
            return CLIENT_SECRET_LABEL;
        }
        match self.service() {
            ServiceChoice::ApiVideo if self.profile.upload_token => UPLOAD_TOKEN_LABEL,
            ServiceChoice::ApiVideo | ServiceChoice::TwelveLabs => API_KEY_LABEL,
            _ => SECRET_LABEL,
        }
    }

    /// What Save checks before writing anything (what the connection test would refuse), as
    /// the sentence to show; nothing typed is changed.
    pub(super) fn check(&self) -> Result<(), String> {
        let service = self.service();
        if self.name.trim().is_empty() {
            return Err("Give this account a name, for example \"My videos\".".to_string());
        }
        if service.needs_address() && self.endpoint.trim().is_empty() {
            return Err(format!("Type the upload address of {}.", short(service)));
        }
        if !self.endpoint.trim().is_empty() {
            let with_name = self.endpoint.trim().replace("{name}", "file");
            if let Err(problem) = hoist_core::profile::check_address(&with_name) {
                return Err(address_words(&problem) + ".");
            }
        }
        if service == ServiceChoice::CloudStorage && self.bucket.trim().is_empty() {
            return Err("Type the name of the bucket to upload to.".to_string());
        }
        if self.signs_in() && self.client_id.trim().is_empty() {
            return Err("Type the OAuth client ID from your Google Cloud project.".to_string());
        }
        let adding = self.editing.is_none();
        if adding && !service.secret_optional() && self.secret.trim().is_empty() {
            return Err(match service {
                ServiceChoice::ApiVideo | ServiceChoice::TwelveLabs => format!(
                    "Paste the {} {}.",
                    lower_first(self.secret_label()),
                    service.key_source()
                ),
                _ => format!("Paste an access token, or tick \"{SIGN_IN_CHECKBOX}\"."),
            });
        }
        Ok(())
    }

    /// The profile the form describes, to be saved under `key` (its secret reference is
    /// filled in by `manage::save`).
    pub(super) fn profile(&self, key: &str) -> Profile {
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let kind = self.service().kind();
        let display = self.name.trim();
        let original_mib = self.original_chunk_bytes.unwrap_or(0).div_ceil(MIB);
        Profile {
            kind,
            display_name: (display != key && !display.is_empty()).then(|| display.to_string()),
            endpoint: text(&self.endpoint),
            title: text(&self.title),
            tags: self
                .tags
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            bucket: text(&self.bucket),
            folder_id: text(&self.folder_id),
            chunk_size_bytes: if self.chunk_size_mib == original_mib {
                self.original_chunk_bytes
            } else {
                (self.chunk_size_mib > 0).then_some(self.chunk_size_mib * MIB)
            },
            parallel_chunks: (kind == ProfileKind::Multipart).then_some(self.parallel_chunks),
            // The endpoints and account of an existing sign-in are kept.
            google_sign_in: self.signs_in().then(|| GoogleSignIn {
                client_id: self.client_id.trim().to_string(),
                ..self.profile.google_sign_in.clone().unwrap_or_default()
            }),
            ..self.profile.clone()
        }
    }

    /// An empty secret field keeps the stored secret when editing, and means "no secret" when
    /// adding; a new one typed when editing replaces the main secret only (secret headers set
    /// with `hoist profile add` stay).
    pub(super) fn secret_update(&self) -> SecretUpdate {
        let typed = self.secret.trim();
        match (typed.is_empty(), self.editing.is_some()) {
            (true, true) => SecretUpdate::Keep,
            (false, true) => SecretUpdate::ReplaceMain(Secret::new(typed)),
            (_, false) => SecretUpdate::Replace {
                main: (!typed.is_empty()).then(|| Secret::new(typed)),
                headers: Vec::new(),
            },
        }
    }
}

/// The service's name inside a sentence ("your tus server" rather than "Your own server (tus)").
fn short(service: ServiceChoice) -> &'static str {
    match service {
        ServiceChoice::Tus => "your tus server",
        ServiceChoice::GoogleStyle => "the server",
        other => other.name(),
    }
}

fn lower_first(text: &str) -> String {
    if text.starts_with("API") || text.starts_with("OAuth") {
        return text.to_string();
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(super) fn privacy_words(privacy: Privacy) -> &'static str {
    match privacy {
        Privacy::Private => "Only me (private)",
        Privacy::Unlisted => "Anyone with the link (unlisted)",
        Privacy::Public => "Everyone (public)",
    }
}
