use serde::{Deserialize, Serialize};

use super::{GoogleSignIn, ProfileError, ProfileKind, check_address};
use crate::protocol::apivideo::API_VIDEO_HOST;
use crate::protocol::google::{DRIVE_ENDPOINT, STORAGE_HOST, YOUTUBE_ENDPOINT};
use crate::protocol::multipart::MULTIPART_BASE_URL;
use crate::upload::{
    ApiVideoAccess, AssetType, AuthSource, DEFAULT_PARALLEL_CHUNKS, Destination, GoogleOauthSource,
    Privacy, SecretRef, Service,
};

/// A saved destination: its kind, endpoint and non-secret options, and where its secret is
/// kept. Every field has a default, so a file from an older or newer Hoist still loads.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Profile {
    /// The name people gave it ("My videos", "Vidéos de l'été 🎬"); the profile's key (a
    /// slug, see [`slug_for`]) when `None`, as in files from Hoist 0.1.
    pub display_name: Option<String>,
    /// The kind of service.
    pub kind: ProfileKind,
    /// The endpoint; the service's own when `None` (set it for sandboxes and compatible
    /// servers). Required for `google-resumable` (the initiate URL) and `tus` (the creation URL).
    pub endpoint: Option<String>,
    /// Title given to uploads; the file name without extension when `None`.
    pub title: Option<String>,
    /// Description (YouTube, api.video).
    pub description: String,
    /// Tags (YouTube, api.video).
    pub tags: Vec<String>,
    /// Who can watch (YouTube).
    pub privacy: Privacy,
    /// YouTube category id; "22" (People & Blogs) when `None`.
    pub category: Option<String>,
    /// api.video: anyone with the link may watch.
    pub public: bool,
    /// api.video: the secret is a delegated upload token, not an API key.
    pub upload_token: bool,
    /// Google Drive folder id.
    pub folder_id: Option<String>,
    /// Cloud Storage bucket.
    pub bucket: Option<String>,
    /// Cloud Storage object name prefix.
    pub object_prefix: String,
    /// Multipart asset type; guessed from the file name when `None`.
    pub asset_type: Option<AssetType>,
    /// Multipart: chunks sent at once.
    pub parallel_chunks: Option<usize>,
    /// Multipart: the largest file the service accepts.
    pub max_size_bytes: Option<u64>,
    /// Chunk size for uploads with this profile; one stream per file when `None`.
    pub chunk_size_bytes: Option<u64>,
    /// Google kinds: upload with this Google sign-in instead of a pasted access token; the
    /// secret is then the OAuth client secret.
    pub google_sign_in: Option<GoogleSignIn>,
    /// Where the secret is kept (never the secret itself).
    pub secret: Option<SecretRef>,
}

/// Checks a profile name: 1 to 64 ASCII letters, digits, `-`, `_`, `.`.
pub fn validate_name(name: &str) -> Result<(), ProfileError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ProfileError::BadName {
            name: name.chars().take(64).collect(),
        })
    }
}

/// A profile key for the display name `display`: lower-case ASCII letters and digits with `-`
/// between words (accents folded where simple, other scripts dropped), "profile" when nothing
/// is left, and `-2`, `-3`, ... until `taken` says it is free. Always passes [`validate_name`].
pub fn slug_for(display: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut slug = String::new();
    for c in display.chars().flat_map(fold_accent) {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let mut base: String = slug.trim_end_matches('-').chars().take(48).collect();
    base = base.trim_end_matches('-').to_string();
    if base.is_empty() {
        base = "profile".to_string();
    }
    let mut candidate = base.clone();
    let mut n = 2;
    while taken(&candidate) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    candidate
}

/// The plain letter of a common accented Latin letter (the letter itself otherwise).
fn fold_accent(c: char) -> Vec<char> {
    let plain = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' => 'A',
        'ç' | 'č' | 'ć' => 'c',
        'Ç' | 'Č' | 'Ć' => 'C',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => 'e',
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ę' | 'Ě' => 'E',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' => 'I',
        'ñ' | 'ń' | 'ň' => 'n',
        'Ñ' | 'Ń' | 'Ň' => 'N',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' => 'O',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => 'u',
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' => 'U',
        'ý' | 'ÿ' => 'y',
        'Ý' => 'Y',
        'š' | 'ś' => 's',
        'Š' | 'Ś' => 'S',
        'ž' | 'ź' | 'ż' => 'z',
        'Ž' | 'Ź' | 'Ż' => 'Z',
        'ß' => return vec!['s', 's'],
        'æ' | 'Æ' => return vec!['a', 'e'],
        other => other,
    };
    vec![plain]
}

impl Profile {
    /// What people call the profile `key`: its display name, or the key itself.
    pub fn label(&self, key: &str) -> String {
        self.display_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(key)
            .to_string()
    }

    /// Checks the configured endpoint (when there is one) the way uploads will use it.
    pub fn check_address(&self, name: &str) -> Result<(), ProfileError> {
        match self.endpoint.as_deref().map(str::trim) {
            Some(endpoint) if !endpoint.is_empty() => {
                // A Google-resumable initiate URL may hold a `{name}` placeholder.
                check_address(&endpoint.replace("{name}", "file"))
                    .map(|_| ())
                    .map_err(|problem| ProfileError::BadAddress {
                        name: name.to_string(),
                        problem,
                    })
            }
            _ => Ok(()),
        }
    }

    /// An empty profile of `kind` (service defaults everywhere, no secret).
    pub fn new(kind: ProfileKind) -> Profile {
        Profile {
            kind,
            ..Profile::default()
        }
    }

    /// What the profile's main secret is, in words, for prompts and `profile show`.
    pub fn secret_meaning(&self) -> &'static str {
        if self.google_sign_in.is_some() {
            "OAuth client secret"
        } else {
            self.kind.secret_meaning()
        }
    }

    /// The keyring/file key of the main secret of the profile `name`.
    pub fn secret_key(name: &str) -> String {
        format!("profile/{name}")
    }

    /// The keyring/file key of the secret header `header` of the profile `name`.
    pub fn header_key(name: &str, header: &str) -> String {
        format!("profile/{name}/header/{}", header.to_ascii_lowercase())
    }

    /// The endpoint uploads go to: the configured one or the service's default.
    pub fn effective_endpoint(&self) -> Option<String> {
        let default = match self.kind {
            ProfileKind::YouTube => Some(YOUTUBE_ENDPOINT),
            ProfileKind::Drive => Some(DRIVE_ENDPOINT),
            ProfileKind::CloudStorage => Some(STORAGE_HOST),
            ProfileKind::ApiVideo => Some(API_VIDEO_HOST),
            ProfileKind::Multipart => Some(MULTIPART_BASE_URL),
            ProfileKind::GoogleResumable | ProfileKind::Tus => None,
        };
        self.endpoint
            .clone()
            .filter(|e| !e.trim().is_empty())
            .or_else(|| default.map(str::to_string))
    }

    /// The service this profile (called `name`, for messages) sends to.
    pub fn service(&self, name: &str) -> Result<Service, ProfileError> {
        let incomplete = |detail: &str| ProfileError::Incomplete {
            name: name.to_string(),
            detail: detail.to_string(),
        };
        let endpoint = self.effective_endpoint();
        Ok(match self.kind {
            ProfileKind::GoogleResumable => Service::GoogleResumable {
                initiate_url: endpoint.ok_or_else(|| {
                    incomplete("google-resumable needs an endpoint (the initiate URL)")
                })?,
            },
            ProfileKind::YouTube => Service::YouTube {
                title: self.title.clone(),
                description: self.description.clone(),
                tags: self.tags.clone(),
                privacy: self.privacy,
                category_id: self.category.clone().unwrap_or_else(|| "22".to_string()),
                endpoint: endpoint.unwrap_or_default(),
            },
            ProfileKind::Drive => Service::Drive {
                folder_id: self.folder_id.clone(),
                endpoint: endpoint.unwrap_or_default(),
            },
            ProfileKind::CloudStorage => Service::CloudStorage {
                bucket: self
                    .bucket
                    .clone()
                    .filter(|b| !b.is_empty())
                    .ok_or_else(|| incomplete("cloud-storage needs a bucket"))?,
                object_prefix: self.object_prefix.clone(),
                host: endpoint.unwrap_or_default(),
            },
            ProfileKind::ApiVideo => Service::ApiVideo {
                host: endpoint.unwrap_or_default(),
                access: if self.upload_token {
                    ApiVideoAccess::UploadToken
                } else {
                    ApiVideoAccess::ApiKey
                },
                title: self.title.clone(),
                description: self.description.clone(),
                tags: self.tags.clone(),
                public: self.public,
            },
            ProfileKind::Multipart => Service::PresignedMultipart {
                base_url: endpoint.unwrap_or_default(),
                asset_type: self.asset_type,
                parallel_chunks: self
                    .parallel_chunks
                    .unwrap_or(DEFAULT_PARALLEL_CHUNKS)
                    .max(1),
                max_size_bytes: self.max_size_bytes,
            },
            ProfileKind::Tus => Service::Tus {
                endpoint: endpoint
                    .ok_or_else(|| incomplete("tus needs an endpoint (the creation URL)"))?,
            },
        })
    }

    /// The destination uploads with this profile go to: its service, and its stored secret
    /// (or its Google sign-in).
    pub fn destination(&self, name: &str) -> Result<Destination, ProfileError> {
        let service = self.service(name)?;
        let auth = match (&self.google_sign_in, &self.secret) {
            (Some(sign_in), client_secret) => {
                if !self.kind.is_google() {
                    return Err(ProfileError::Incomplete {
                        name: name.to_string(),
                        detail: format!(
                            "{} does not use a Google sign-in; remove google_sign_in",
                            self.kind.as_str()
                        ),
                    });
                }
                if sign_in.client_id.trim().is_empty() {
                    return Err(ProfileError::Incomplete {
                        name: name.to_string(),
                        detail: "a Google sign-in needs the OAuth client ID".to_string(),
                    });
                }
                AuthSource::GoogleOauth(Box::new(GoogleOauthSource {
                    account: sign_in.account_for(name),
                    client_id: sign_in.client_id.trim().to_string(),
                    client_secret_env: None,
                    client_secret: client_secret.clone(),
                    token_url: sign_in.effective_token_url(),
                    revoke_url: sign_in.effective_revoke_url(),
                }))
            }
            (None, Some(reference)) => AuthSource::Stored(Box::new(reference.clone())),
            (None, None) => AuthSource::None,
        };
        Ok(Destination { service, auth })
    }
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;
    use crate::upload::SecretLocation;

    #[test]
    fn defaults_fill_endpoints_and_overrides_win() {
        let youtube = Profile::new(ProfileKind::YouTube);
        match youtube.service("yt").expect("service") {
            Service::YouTube {
                endpoint,
                category_id,
                privacy,
                ..
            } => {
                assert_eq!(endpoint, YOUTUBE_ENDPOINT);
                assert_eq!(category_id, "22");
                assert_eq!(privacy, Privacy::Private);
            }
            other => panic!("{other:?}"),
        }
        let sandbox = Profile {
            endpoint: Some("https://sandbox.api.video".to_string()),
            ..Profile::new(ProfileKind::ApiVideo)
        };
        assert!(matches!(
            sandbox.service("s").expect("service"),
            Service::ApiVideo { host, .. } if host == "https://sandbox.api.video"
        ));
    }

    #[test]
    fn kinds_that_need_an_endpoint_or_bucket_say_so() {
        for kind in [ProfileKind::GoogleResumable, ProfileKind::Tus] {
            let error = Profile::new(kind).service("p").expect_err("needs endpoint");
            assert!(error.to_string().contains("endpoint"), "{error}");
        }
        let error = Profile::new(ProfileKind::CloudStorage)
            .service("p")
            .expect_err("needs bucket");
        assert!(error.to_string().contains("bucket"), "{error}");
    }

    #[test]
    fn destination_names_the_stored_secret() {
        let profile = Profile {
            endpoint: Some("http://127.0.0.1:9/upload".to_string()),
            secret: Some(SecretRef {
                store: SecretLocation::File,
                key: Some(Profile::secret_key("p")),
                headers: Vec::new(),
            }),
            ..Profile::new(ProfileKind::GoogleResumable)
        };
        let destination = profile.destination("p").expect("destination");
        assert!(matches!(
            destination.auth,
            AuthSource::Stored(ref r) if r.store == SecretLocation::File && r.key.as_deref() == Some("profile/p")
        ));
    }

    #[test]
    fn a_sign_in_profile_uploads_with_its_saved_sign_in() {
        let client_secret = SecretRef {
            store: SecretLocation::Keyring,
            key: Some(Profile::secret_key("yt")),
            headers: Vec::new(),
        };
        let profile = Profile {
            google_sign_in: Some(GoogleSignIn {
                client_id: " 1234-abc.apps.googleusercontent.com ".to_string(),
                ..GoogleSignIn::default()
            }),
            secret: Some(client_secret.clone()),
            ..Profile::new(ProfileKind::YouTube)
        };
        assert_eq!(profile.secret_meaning(), "OAuth client secret");
        let destination = profile.destination("yt").expect("destination");
        let AuthSource::GoogleOauth(source) = destination.auth else {
            panic!("{:?}", destination.auth);
        };
        assert_eq!(source.account, "yt");
        assert_eq!(source.client_id, "1234-abc.apps.googleusercontent.com");
        assert_eq!(source.client_secret, Some(client_secret));
        assert_eq!(source.client_secret_env, None);
        assert_eq!(source.token_url, crate::auth::GOOGLE_TOKEN_URL);
        assert_eq!(source.revoke_url, crate::auth::GOOGLE_REVOKE_URL);
        assert_eq!(
            ProfileKind::YouTube.google_scopes(),
            [crate::auth::SCOPE_YOUTUBE_UPLOAD]
        );

        let shared = Profile {
            google_sign_in: Some(GoogleSignIn {
                client_id: "id".to_string(),
                account: Some("work".to_string()),
                ..GoogleSignIn::default()
            }),
            ..Profile::new(ProfileKind::Drive)
        };
        assert!(matches!(
            shared.destination("d").expect("destination").auth,
            AuthSource::GoogleOauth(ref s) if s.account == "work" && s.client_secret.is_none()
        ));
    }

    #[test]
    fn a_sign_in_needs_a_google_kind_and_a_client_id() {
        let tus = Profile {
            endpoint: Some("http://127.0.0.1:9/files/".to_string()),
            google_sign_in: Some(GoogleSignIn {
                client_id: "id".to_string(),
                ..GoogleSignIn::default()
            }),
            ..Profile::new(ProfileKind::Tus)
        };
        let error = tus.destination("t").expect_err("not google");
        assert!(
            error.to_string().contains("does not use a Google sign-in"),
            "{error}"
        );
        let no_id = Profile {
            google_sign_in: Some(GoogleSignIn::default()),
            ..Profile::new(ProfileKind::YouTube)
        };
        let error = no_id.destination("y").expect_err("no client id");
        assert!(error.to_string().contains("OAuth client ID"), "{error}");
    }

    #[test]
    fn display_names_become_valid_unique_keys() {
        let none = |_: &str| false;
        assert_eq!(slug_for("My videos", none), "my-videos");
        assert_eq!(slug_for("Vidéos de l'été 🎬", none), "videos-de-l-ete");
        assert_eq!(slug_for("日本語 🎬", none), "profile");
        assert_eq!(slug_for("  Straße  ", none), "strasse");
        let taken = |key: &str| key == "my-videos" || key == "my-videos-2";
        assert_eq!(slug_for("My videos!", taken), "my-videos-3");
        for display in ["My videos", "日本語", &"x".repeat(200), "--", "Ünïcødé"] {
            assert!(validate_name(&slug_for(display, none)).is_ok(), "{display}");
        }
        let profile = Profile {
            display_name: Some("My videos".to_string()),
            ..Profile::default()
        };
        assert_eq!(profile.label("my-videos"), "My videos");
        assert_eq!(Profile::default().label("old-key"), "old-key");
    }

    #[test]
    fn saved_addresses_are_checked_like_uploads_check_them() {
        let with = |endpoint: &str| Profile {
            endpoint: Some(endpoint.to_string()),
            ..Profile::new(ProfileKind::Tus)
        };
        assert!(
            with("https://upload.example.com/files")
                .check_address("p")
                .is_ok()
        );
        assert!(
            with("http://127.0.0.1:1080/files")
                .check_address("p")
                .is_ok()
        );
        assert!(
            with("https://x.example.com/upload?name={name}")
                .check_address("p")
                .is_ok()
        );
        assert!(matches!(
            with("http://upload.example.com/files").check_address("p"),
            Err(ProfileError::BadAddress {
                problem: crate::profile::AddressProblem::PlainHttp { .. },
                ..
            })
        ));
        assert!(
            Profile::new(ProfileKind::YouTube)
                .check_address("p")
                .is_ok()
        );
    }

    #[test]
    fn names_are_checked() {
        assert!(validate_name("work-yt_2.0").is_ok());
        for bad in ["", "a b", "x/y", &"n".repeat(65)] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }
}
