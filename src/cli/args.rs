use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::protocol::apivideo::API_VIDEO_HOST;
use crate::protocol::google::{DRIVE_ENDPOINT, STORAGE_HOST, YOUTUBE_ENDPOINT};
use crate::protocol::multipart::MULTIPART_BASE_URL;
use crate::units::{parse_bytes, parse_duration};
use crate::upload::{
    ApiVideoAccess, AssetType, AuthSource, DEFAULT_PARALLEL_CHUNKS, Destination, Privacy, Service,
    UploadId,
};

/// Hoist: uploads big files and never loses more than the bytes in flight.
#[derive(Debug, Parser)]
#[command(name = "hoist", version, about, long_about = None, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// Open the window with a reference server on this computer as "Demo server".
    #[arg(long)]
    pub demo: bool,
    /// Files or folders to queue when the window opens.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// What to do; without a command, the window opens.
    #[command(subcommand)]
    pub command: Option<CliCommand>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Upload files in the foreground until every one is done.
    Upload(Box<UploadArgs>),
    /// Continue unfinished uploads (after a crash, a kill or a pause).
    Resume {
        /// Resume every unfinished upload.
        #[arg(long, conflicts_with = "ids")]
        all: bool,
        /// The uploads to resume (see `hoist list`).
        #[arg(required_unless_present = "all")]
        ids: Vec<UploadId>,
        /// How to run.
        #[command(flatten)]
        run: RunArgs,
    },
    /// List the uploads Hoist knows about.
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Start uploads over from byte 0 with the files as they are now (after "file changed").
    Restart {
        /// The uploads to restart.
        #[arg(required = true)]
        ids: Vec<UploadId>,
        /// How to run.
        #[command(flatten)]
        run: RunArgs,
    },
    /// Stop uploads and ask the servers to discard what they received.
    Cancel {
        /// The uploads to cancel.
        #[arg(required = true)]
        ids: Vec<UploadId>,
    },
    /// Forget uploads (cancelling unfinished ones first).
    Remove {
        /// The uploads to remove.
        #[arg(required = true)]
        ids: Vec<UploadId>,
    },
    /// Try Hoist without an account: uploads the files to a reference server on this computer.
    Demo {
        /// Simulate a flaky network (dropped connections, server errors) to watch retries.
        #[arg(long)]
        flaky: bool,
        /// The files to upload.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run the reference server (for tests, benchmarks and demos).
    Serve(super::serve::ServeArgs),
    /// Sign in to Google in your browser and save the sign-in for `hoist upload --oauth`.
    Signin(Box<super::signin::SigninArgs>),
    /// Revoke and forget a saved sign-in.
    Signout(Box<super::signin::SignoutArgs>),
}

/// Arguments of `hoist upload`.
#[derive(Debug, Args)]
pub struct UploadArgs {
    /// Where the files go.
    #[command(flatten)]
    pub destination: DestinationArgs,
    /// Send fixed chunks of this size (a multiple of 256KiB, e.g. 8MiB) instead of one stream;
    /// better on unstable links.
    #[arg(long, value_parser = parse_bytes)]
    pub chunk_size: Option<u64>,
    /// Announce the total size only with the last chunk (needs --chunk-size).
    #[arg(long, requires = "chunk_size")]
    pub size_unknown: bool,
    /// How to run.
    #[command(flatten)]
    pub run: RunArgs,
    /// The files to upload.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// The kinds of destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// Any server speaking Google's resumable protocol (--endpoint is the initiate URL; `{name}`
    /// is replaced by the file name).
    GoogleResumable,
    /// YouTube (videos.insert).
    #[value(name = "youtube")]
    YouTube,
    /// Google Drive (files.create).
    Drive,
    /// Google Cloud Storage (needs --bucket).
    CloudStorage,
    /// api.video (--endpoint: the API host, production by default; the secret is an API key, or
    /// a delegated upload token with --upload-token).
    ApiVideo,
    /// A presigned-URL multipart service like Twelve Labs' assets API (--endpoint: the API base).
    Multipart,
    /// A tus 1.0 server (--endpoint: its creation URL).
    Tus,
}

/// Where uploads go.
#[derive(Debug, Args)]
pub struct DestinationArgs {
    /// The kind of destination.
    #[arg(long, value_enum)]
    pub kind: Kind,
    /// The initiate URL (required for google-resumable; overrides the service's default for the
    /// others, e.g. a compatible test server; for cloud-storage: the storage host).
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Name of an environment variable holding the secret: the access token (Google, tus), or
    /// the API key (api.video, multipart). Never pass secrets as arguments.
    #[arg(long, value_name = "VAR", alias = "key-env")]
    pub token_env: Option<String>,
    /// api.video: the secret in --token-env is a delegated upload token, not an API key.
    #[arg(long)]
    pub upload_token: bool,
    /// Cloud Storage bucket.
    #[arg(long)]
    pub bucket: Option<String>,
    /// Cloud Storage: put this before the file name to form the object name (e.g. `videos/`).
    #[arg(long, default_value = "")]
    pub object_prefix: String,
    /// YouTube title (default: the file name without extension).
    #[arg(long)]
    pub title: Option<String>,
    /// YouTube description.
    #[arg(long, default_value = "")]
    pub description: String,
    /// YouTube tags, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
    /// YouTube privacy.
    #[arg(long, value_enum, default_value = "private")]
    pub privacy: PrivacyArg,
    /// YouTube category id.
    #[arg(long, default_value = "22")]
    pub category: String,
    /// Google Drive folder id.
    #[arg(long)]
    pub folder_id: Option<String>,
    /// api.video: make the video public.
    #[arg(long)]
    pub public: bool,
    /// Multipart: the asset type (guessed from the file name when absent).
    #[arg(long, value_enum)]
    pub asset_type: Option<AssetTypeArg>,
    /// Multipart: chunks sent at once.
    #[arg(long, default_value_t = DEFAULT_PARALLEL_CHUNKS)]
    pub parallel_chunks: usize,
    /// Multipart: the largest file the service accepts (default: the service's limit per type).
    #[arg(long, value_parser = parse_bytes)]
    pub max_size: Option<u64>,
    /// Google: use the sign-in saved by `hoist signin google` (same --client-id and --account).
    #[arg(long, conflicts_with = "token_env", requires = "client_id")]
    pub oauth: bool,
    /// The OAuth client of --oauth.
    #[command(flatten)]
    pub oauth_client: super::signin::GoogleClientArgs,
}

/// A multipart asset type, as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AssetTypeArg {
    /// A video.
    Video,
    /// An audio recording.
    Audio,
    /// A picture.
    Image,
}

/// YouTube privacy, as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrivacyArg {
    /// Only you.
    Private,
    /// Anyone with the link.
    Unlisted,
    /// Everyone.
    Public,
}

impl DestinationArgs {
    /// The destination these arguments describe.
    pub fn destination(&self) -> anyhow::Result<Destination> {
        let endpoint = |default: &str| self.endpoint.clone().unwrap_or_else(|| default.to_string());
        let service = match self.kind {
            Kind::GoogleResumable => Service::GoogleResumable {
                initiate_url: self.endpoint.clone().ok_or_else(|| {
                    anyhow::anyhow!("--kind google-resumable needs --endpoint (the initiate URL)")
                })?,
            },
            Kind::YouTube => Service::YouTube {
                title: self.title.clone(),
                description: self.description.clone(),
                tags: self.tags.clone(),
                privacy: match self.privacy {
                    PrivacyArg::Private => Privacy::Private,
                    PrivacyArg::Unlisted => Privacy::Unlisted,
                    PrivacyArg::Public => Privacy::Public,
                },
                category_id: self.category.clone(),
                endpoint: endpoint(YOUTUBE_ENDPOINT),
            },
            Kind::Drive => Service::Drive {
                folder_id: self.folder_id.clone(),
                endpoint: endpoint(DRIVE_ENDPOINT),
            },
            Kind::CloudStorage => Service::CloudStorage {
                bucket: self
                    .bucket
                    .clone()
                    .ok_or_else(|| anyhow::anyhow!("--kind cloud-storage needs --bucket"))?,
                object_prefix: self.object_prefix.clone(),
                host: endpoint(STORAGE_HOST),
            },
            Kind::ApiVideo => Service::ApiVideo {
                host: endpoint(API_VIDEO_HOST),
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
            Kind::Multipart => Service::PresignedMultipart {
                base_url: endpoint(MULTIPART_BASE_URL),
                asset_type: self.asset_type.map(|t| match t {
                    AssetTypeArg::Video => AssetType::Video,
                    AssetTypeArg::Audio => AssetType::Audio,
                    AssetTypeArg::Image => AssetType::Image,
                }),
                parallel_chunks: self.parallel_chunks,
                max_size_bytes: self.max_size,
            },
            Kind::Tus => Service::Tus {
                endpoint: self.endpoint.clone().ok_or_else(|| {
                    anyhow::anyhow!("--kind tus needs --endpoint (the creation URL)")
                })?,
            },
        };
        let auth = match &self.token_env {
            _ if self.oauth => self.oauth_client.auth_source()?,
            Some(var) => AuthSource::Env { var: var.clone() },
            None => AuthSource::None,
        };
        Ok(Destination { service, auth })
    }
}

/// How the engine runs for this command.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Uploads running at once.
    #[arg(long, default_value_t = 2)]
    pub parallel: usize,
    /// Bandwidth limit for all uploads together, per second (e.g. 5MiB); 0 = none.
    #[arg(long, value_parser = parse_bytes, default_value = "0")]
    pub bandwidth_limit: u64,
    /// Print one JSON object per line for every event instead of progress bars.
    #[arg(long)]
    pub json: bool,
    /// First wait before retrying.
    #[arg(long, value_parser = parse_duration, default_value = "1s")]
    pub retry_initial: Duration,
    /// Longest single wait before retrying.
    #[arg(long, value_parser = parse_duration, default_value = "64s")]
    pub retry_max_wait: Duration,
    /// Give up after failing this long without progress.
    #[arg(long, value_parser = parse_duration, default_value = "10m")]
    pub retry_budget: Duration,
    /// Abandon and retry a request during which nothing moves for this long.
    #[arg(long, value_parser = parse_duration, default_value = "60s")]
    pub stall_timeout: Duration,
}
