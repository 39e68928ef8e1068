use serde::{Deserialize, Serialize};

use super::{ProfileError, ProfileKind};
use crate::protocol::apivideo::API_VIDEO_HOST;
use crate::protocol::google::{DRIVE_ENDPOINT, STORAGE_HOST, YOUTUBE_ENDPOINT};
use crate::protocol::multipart::MULTIPART_BASE_URL;
use crate::upload::{
    ApiVideoAccess, AssetType, AuthSource, DEFAULT_PARALLEL_CHUNKS, Destination, Privacy,
    SecretRef, Service,
};

/// A saved destination: its kind, endpoint and non-secret options, and where its secret is
/// kept. Every field has a default, so a file from an older or newer Hoist still loads.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Profile {
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

impl Profile {
    /// An empty profile of `kind` (service defaults everywhere, no secret).
    pub fn new(kind: ProfileKind) -> Profile {
        Profile {
            kind,
            ..Profile::default()
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

    /// The destination uploads with this profile go to: its service, and its stored secret.
    pub fn destination(&self, name: &str) -> Result<Destination, ProfileError> {
        Ok(Destination {
            service: self.service(name)?,
            auth: match &self.secret {
                Some(reference) => AuthSource::Stored(Box::new(reference.clone())),
                None => AuthSource::None,
            },
        })
    }
}

#[cfg(test)]
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
    fn names_are_checked() {
        assert!(validate_name("work-yt_2.0").is_ok());
        for bad in ["", "a b", "x/y", &"n".repeat(65)] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }
}
