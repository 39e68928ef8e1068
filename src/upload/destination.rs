use serde::{Deserialize, Serialize};

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
}

impl Service {
    /// A short description for lists and logs; never includes credentials or query strings.
    pub fn label(&self) -> String {
        match self {
            Service::GoogleResumable { initiate_url } => match url::Url::parse(initiate_url) {
                Ok(url) => format!(
                    "{}{}",
                    url.host_str().unwrap_or("server"),
                    url.port().map(|p| format!(":{p}")).unwrap_or_default()
                ),
                Err(_) => "custom server".to_string(),
            },
            Service::YouTube { .. } => "YouTube".to_string(),
            Service::Drive { .. } => "Google Drive".to_string(),
            Service::CloudStorage { bucket, .. } => format!("Cloud Storage: {bucket}"),
        }
    }
}
