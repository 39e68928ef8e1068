use serde::{Deserialize, Serialize};

use super::SecretRef;

/// Where an upload goes and how Hoist proves who it is there. Stored in the journal; holds no
/// secret (only the *name* of the place a secret is read from).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Destination {
    /// The service and its non-secret options.
    pub service: Service,
    /// Where the credentials come from.
    #[serde(default)]
    pub auth: AuthSource,
}

/// A service Hoist can upload to, with its non-secret options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Service {
    /// Any server speaking Google's resumable protocol. `initiate_url` may contain `{name}`, replaced
    /// by the URL-encoded file name.
    GoogleResumable {
        /// The URL the session is initiated at.
        initiate_url: String,
    },
    /// YouTube `videos.insert`.
    #[serde(rename = "youtube")]
    YouTube {
        /// Video title; the file name (without extension) when empty.
        #[serde(default)]
        title: Option<String>,
        /// Video description.
        #[serde(default)]
        description: String,
        /// Video tags.
        #[serde(default)]
        tags: Vec<String>,
        /// Who can watch.
        #[serde(default)]
        privacy: Privacy,
        /// YouTube category id ("22" is People & Blogs).
        #[serde(default = "default_category")]
        category_id: String,
        /// The initiate URL (overridable for compatible servers).
        endpoint: String,
    },
    /// Google Drive `files.create`.
    Drive {
        /// Folder to put the file in; "My Drive" when absent.
        #[serde(default)]
        folder_id: Option<String>,
        /// The initiate URL (overridable for compatible servers).
        endpoint: String,
    },
    /// Google Cloud Storage object upload.
    CloudStorage {
        /// The bucket.
        bucket: String,
        /// Prefix put before the file name to form the object name (e.g. `videos/`).
        #[serde(default)]
        object_prefix: String,
        /// The storage host, `https://storage.googleapis.com` unless overridden.
        host: String,
    },
    /// api.video (PROTOCOLS.md §2): a video container, then its source in chunks.
    #[serde(rename = "api-video")]
    ApiVideo {
        /// `https://ws.api.video`, `https://sandbox.api.video`, or a compatible server.
        host: String,
        /// How Hoist gets in: the secret is an API key, or a delegated upload token.
        #[serde(default)]
        access: ApiVideoAccess,
        /// Video title; the file name (without extension) when empty.
        #[serde(default)]
        title: Option<String>,
        /// Video description.
        #[serde(default)]
        description: String,
        /// Video tags.
        #[serde(default)]
        tags: Vec<String>,
        /// Anyone with the link may watch (api.video's `public`).
        #[serde(default)]
        public: bool,
    },
    /// A presigned-URL multipart service shaped like Twelve Labs' assets API (PROTOCOLS.md §3).
    PresignedMultipart {
        /// The API base, e.g. `https://api.twelvelabs.io/v1.3`.
        base_url: String,
        /// The asset type sent at creation; guessed from the file name when `None`.
        #[serde(default)]
        asset_type: Option<AssetType>,
        /// Chunks sent at once.
        #[serde(default = "default_parallel_chunks")]
        parallel_chunks: usize,
        /// Largest file the service accepts, checked before any byte is sent; `None` = the
        /// per-type default of the service.
        #[serde(default)]
        max_size_bytes: Option<u64>,
    },
    /// A tus 1.0 server (PROTOCOLS.md §4).
    Tus {
        /// The creation URL (`POST` here makes a new upload).
        endpoint: String,
    },
}

/// How Hoist authenticates to api.video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApiVideoAccess {
    /// The secret is an API key, exchanged for short-lived access tokens.
    #[default]
    ApiKey,
    /// The secret is a delegated upload token (`/upload?token=`), for people whose organisation
    /// hands them a token instead of a key.
    UploadToken,
}

/// The kind of media a presigned-multipart asset holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AssetType {
    /// A video.
    Video,
    /// An audio recording.
    Audio,
    /// A picture.
    Image,
}

impl AssetType {
    /// The value the API expects.
    pub fn as_str(self) -> &'static str {
        match self {
            AssetType::Video => "video",
            AssetType::Audio => "audio",
            AssetType::Image => "image",
        }
    }
}

/// Chunks a presigned-multipart upload sends at once unless the destination says otherwise.
pub const DEFAULT_PARALLEL_CHUNKS: usize = 4;

fn default_parallel_chunks() -> usize {
    DEFAULT_PARALLEL_CHUNKS
}

fn default_category() -> String {
    "22".to_string()
}

/// YouTube privacy status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Privacy {
    /// Only the owner sees it (the safe default).
    #[default]
    Private,
    /// Anyone with the link.
    Unlisted,
    /// Everyone.
    Public,
}

impl Privacy {
    /// The value YouTube's API expects.
    pub fn as_str(self) -> &'static str {
        match self {
            Privacy::Private => "private",
            Privacy::Unlisted => "unlisted",
            Privacy::Public => "public",
        }
    }
}

/// Where an upload's credentials come from. Never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum AuthSource {
    /// No credentials (e.g. a loopback test server).
    #[default]
    None,
    /// A bearer token read from this environment variable each time one is needed.
    Env {
        /// The variable's name.
        var: String,
    },
    /// Secrets kept in Hoist's secret store (the system keyring or the explicit secrets file),
    /// read when needed; the journal holds only their names.
    Stored(Box<SecretRef>),
    /// A saved Google sign-in (OAuth 2.0): the refresh token is in Hoist's token store under
    /// the account's name; access tokens are fetched and refreshed as needed.
    GoogleOauth(Box<GoogleOauthSource>),
}

/// Where a saved Google sign-in is and which OAuth client it belongs to. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoogleOauthSource {
    /// The saved sign-in's name (`default` unless chosen).
    pub account: String,
    /// The OAuth client ID (not a secret).
    pub client_id: String,
    /// Name of the environment variable holding the client secret (command-line sign-ins).
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// Where the client secret is stored (sign-ins of a saved profile); its main key.
    #[serde(default)]
    pub client_secret: Option<SecretRef>,
    /// The token endpoint.
    pub token_url: String,
    /// The revocation endpoint.
    pub revoke_url: String,
}

impl Service {
    /// A short description for lists and logs; never includes credentials or query strings.
    pub fn label(&self) -> String {
        match self {
            Service::GoogleResumable { initiate_url } => host_label(initiate_url),
            Service::YouTube { .. } => "YouTube".to_string(),
            Service::Drive { .. } => "Google Drive".to_string(),
            Service::CloudStorage { bucket, .. } => format!("Cloud Storage: {bucket}"),
            Service::ApiVideo { host, .. } => {
                if host.contains("sandbox.api.video") {
                    "api.video (sandbox)".to_string()
                } else if host.contains("ws.api.video") {
                    "api.video".to_string()
                } else {
                    format!("api.video at {}", host_label(host))
                }
            }
            Service::PresignedMultipart { base_url, .. } => {
                if base_url.contains("api.twelvelabs.io") {
                    "Twelve Labs".to_string()
                } else {
                    format!("Multipart: {}", host_label(base_url))
                }
            }
            Service::Tus { endpoint } => format!("tus: {}", host_label(endpoint)),
        }
    }
}

/// `host[:port]` of a URL, or "custom server" when it does not parse; never the path or query.
fn host_label(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(url) => format!(
            "{}{}",
            url.host_str().unwrap_or("server"),
            url.port().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        Err(_) => "custom server".to_string(),
    }
}
