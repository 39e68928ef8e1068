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

    /// Google's own services and servers speaking its protocol: a Google sign-in can stand in
    /// for a pasted access token.
    pub fn is_google(self) -> bool {
        matches!(
            self,
            ProfileKind::GoogleResumable
                | ProfileKind::YouTube
                | ProfileKind::Drive
                | ProfileKind::CloudStorage
        )
    }

    /// The sign-in scopes uploads of this kind need (a generic Google-protocol server is
    /// taken to be Cloud Storage).
    pub fn google_scopes(self) -> &'static [&'static str] {
        use crate::auth::{SCOPE_DRIVE_FILE, SCOPE_STORAGE_READ_WRITE, SCOPE_YOUTUBE_UPLOAD};
        match self {
            ProfileKind::YouTube => &[SCOPE_YOUTUBE_UPLOAD],
            ProfileKind::Drive => &[SCOPE_DRIVE_FILE],
            ProfileKind::CloudStorage | ProfileKind::GoogleResumable => &[SCOPE_STORAGE_READ_WRITE],
            ProfileKind::ApiVideo | ProfileKind::Multipart | ProfileKind::Tus => &[],
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
