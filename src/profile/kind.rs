use serde::{Deserialize, Serialize};

/// The kinds of service a profile can send to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProfileKind {
    /// Any server speaking Google's resumable protocol at a custom initiate URL.
    #[default]
    GoogleResumable,
    /// YouTube `videos.insert`.
    #[serde(rename = "youtube")]
    YouTube,
    /// Google Drive `files.create`.
    Drive,
    /// Google Cloud Storage.
    CloudStorage,
    /// api.video.
    ApiVideo,
    /// A presigned-URL multipart service (Twelve Labs' assets API and compatible).
    Multipart,
    /// A tus 1.0 server.
    Tus,
}

impl ProfileKind {
    /// The name used in the profiles file and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileKind::GoogleResumable => "google-resumable",
            ProfileKind::YouTube => "youtube",
            ProfileKind::Drive => "drive",
            ProfileKind::CloudStorage => "cloud-storage",
            ProfileKind::ApiVideo => "api-video",
            ProfileKind::Multipart => "multipart",
            ProfileKind::Tus => "tus",
        }
    }

    /// What the secret is, in words, for prompts and `profile show`.
    pub fn secret_meaning(self) -> &'static str {
        match self {
            ProfileKind::GoogleResumable
            | ProfileKind::YouTube
            | ProfileKind::Drive
            | ProfileKind::CloudStorage => "access token",
            ProfileKind::ApiVideo => "API key (or delegated upload token)",
            ProfileKind::Multipart => "API key",
            ProfileKind::Tus => "bearer token",
        }
    }
}
