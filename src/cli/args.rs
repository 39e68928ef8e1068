use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use hoist_core::engine::{EngineConfig, RetryPolicy};
use hoist_core::profile::{Profile, ProfileError, ProfileKind};
use hoist_core::units::{BandwidthSchedule, parse_bytes, parse_duration};
use hoist_core::upload::{AssetType, AuthSource, Destination, Privacy, UploadId};

/// Hoist: uploads big files and never loses more than the bytes in flight.
#[derive(Debug, Parser)]
#[command(
    name = "hoist",
    version = env!("HOIST_VERSION"),
    about,
    long_about = None,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// Open the window with a reference server on this computer as "Demo server".
    #[arg(long)]
    pub demo: bool,
    /// Files or folders to queue when the window opens.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// For the window: abandon and retry a request during which nothing moves for this long
    /// (the engine's default when not given).
    #[arg(long, value_name = "DURATION")]
    pub stall_timeout: Option<DurationArg>,
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
        /// Ask the service for its unfinished upload sessions instead of listing Hoist's uploads
        /// (multipart services; with --endpoint and --token-env).
        #[arg(long)]
        remote: bool,
        /// With --remote: the kind of service (only multipart keeps a listing).
        #[arg(long, value_enum, requires = "remote")]
        kind: Option<Kind>,
        /// With --remote: the API base (Twelve Labs' by default).
        #[arg(long, requires = "remote")]
        endpoint: Option<String>,
        /// With --remote: name of the environment variable holding the API key.
        #[arg(long, value_name = "VAR", alias = "key-env", requires = "remote")]
        token_env: Option<String>,
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
    /// Saved destinations: add, list, show, remove and test them.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Run the reference server (for tests, benchmarks and demos).
    Serve(super::serve::ServeArgs),
    /// Sign in to Google in your browser and save the sign-in for `hoist upload --oauth`.
    Signin(Box<super::signin::SigninArgs>),
    /// Revoke and forget a saved sign-in.
    Signout(Box<super::signin::SignoutArgs>),
    /// The queue's order: move an upload to the top, up, down or to the bottom.
    #[command(subcommand)]
    Queue(super::queue::QueueCommand),
    /// Watch folders: new files in them are uploaded by themselves, once each.
    #[command(subcommand)]
    Watch(super::watch::WatchCommand),
    /// Finished uploads with their links, kept after they are cleared from the queue; export
    /// them as CSV or clear them.
    History(super::history::HistoryArgs),
    /// Save a zip to attach to a bug report: versions, settings, profiles, the upload list and
    /// recent logs, with every secret, token, key and upload link replaced by [redacted].
    SupportBundle {
        /// Where to save the zip (e.g. hoist-support.zip).
        file: PathBuf,
    },
}

/// `hoist profile ...`.
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Save a destination under a name. The secret (access token, API key) is read from
    /// standard input (--secret-stdin) or an environment variable (--secret-env), never from
    /// the command line, and kept in the system keyring (see HOIST_SECRET_STORE).
    Add(Box<ProfileAddArgs>),
    /// List the saved profiles.
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Show a profile's settings and where its secret is kept (never the secret).
    Show {
        /// The profile.
        name: String,
        /// As one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Delete a profile and its stored secret.
    Remove {
        /// The profile.
        name: String,
    },
    /// Check that the profile's service answers and accepts its credentials.
    Test {
        /// The profile.
        name: String,
    },
}

/// Arguments of `hoist profile add`.
#[derive(Debug, Args)]
pub struct ProfileAddArgs {
    /// The profile's name (letters, digits, '-', '_', '.').
    pub name: String,
    /// The destination and its options.
    #[command(flatten)]
    pub destination: DestinationArgs,
    /// Chunk size for uploads with this profile (a multiple of 256KiB, e.g. 8MiB).
    #[arg(long, value_parser = parse_bytes)]
    pub chunk_size: Option<u64>,
    /// Read the secret from standard input (one line; with --secret-header, one line per
    /// header, in order).
    #[arg(long, conflicts_with = "secret_env")]
    pub secret_stdin: bool,
    /// Read the secret from this environment variable (stored; the variable is not needed
    /// afterwards).
    #[arg(long, value_name = "VAR")]
    pub secret_env: Option<String>,
    /// tus: send this request header with a secret value (e.g. Authorization), read from
    /// standard input; repeat for several.
    #[arg(long, value_name = "HEADER", requires = "secret_stdin")]
    pub secret_header: Vec<String>,
    /// Replace an existing profile of the same name.
    #[arg(long)]
    pub replace: bool,
}

/// `--chunk-size`: automatic, or a fixed size in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkSize {
    /// Sized to the measured speed, starting at
    /// [`DEFAULT_AUTO_START_BYTES`](hoist_core::protocol::DEFAULT_AUTO_START_BYTES).
    Auto,
    /// Exactly this many bytes per chunk.
    Fixed(u64),
}

/// Parses `auto` or a size (`8MiB`).
fn parse_chunk_size(text: &str) -> Result<ChunkSize, hoist_core::units::UnitParseError> {
    if text.trim().eq_ignore_ascii_case("auto") {
        return Ok(ChunkSize::Auto);
    }
    parse_bytes(text).map(ChunkSize::Fixed)
}

/// Arguments of `hoist upload`.
#[derive(Debug, Args)]
pub struct UploadArgs {
    /// Send to this saved profile (see `hoist profile list`); options given here override it.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Where the files go.
    #[command(flatten)]
    pub destination: DestinationArgs,
    /// Send chunks instead of one stream, so the server confirms progress as it goes (better
    /// on unstable links): `auto` sizes each chunk to take a few seconds at the measured speed;
    /// a size (a multiple of 256KiB, e.g. 8MiB) sends chunks of exactly that size.
    #[arg(long, value_parser = parse_chunk_size, value_name = "auto|SIZE")]
    pub chunk_size: Option<ChunkSize>,
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
    /// The kind of destination (required unless --profile names a saved one).
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
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
    #[arg(long)]
    pub object_prefix: Option<String>,
    /// YouTube title (default: the file name without extension).
    #[arg(long)]
    pub title: Option<String>,
    /// YouTube description.
    #[arg(long)]
    pub description: Option<String>,
    /// YouTube tags, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub tags: Option<Vec<String>>,
    /// YouTube privacy (private unless set).
    #[arg(long, value_enum)]
    pub privacy: Option<PrivacyArg>,
    /// YouTube category id (22, People & Blogs, unless set).
    #[arg(long)]
    pub category: Option<String>,
    /// Google Drive folder id.
    #[arg(long)]
    pub folder_id: Option<String>,
    /// api.video: make the video public.
    #[arg(long)]
    pub public: bool,
    /// Multipart: the asset type (guessed from the file name when absent).
    #[arg(long, value_enum)]
    pub asset_type: Option<AssetTypeArg>,
    /// Multipart: chunks sent at once (4 unless set).
    #[arg(long)]
    pub parallel_chunks: Option<usize>,
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
    /// The destination these arguments describe on their own (no profile).
    pub fn destination(&self) -> anyhow::Result<Destination> {
        let kind = self.kind.ok_or_else(|| {
            anyhow::anyhow!("say where the files go: --kind KIND or --profile NAME")
        })?;
        let mut profile = Profile::new(kind.into());
        self.apply_to(&mut profile);
        let mut destination = profile
            .destination(kind.into_profile_kind().as_str())
            .map_err(|e| match e {
                ProfileError::Incomplete { detail, .. } => anyhow::anyhow!(flag_words(&detail)),
                other => other.into(),
            })?;
        destination.auth = if self.oauth {
            self.oauth_client.auth_source()?
        } else {
            self.auth().unwrap_or(AuthSource::None)
        };
        Ok(destination)
    }

    /// The credentials named on the command line (`--token-env`), if any.
    pub fn auth(&self) -> Option<AuthSource> {
        self.token_env
            .as_ref()
            .map(|var| AuthSource::Env { var: var.clone() })
    }

    /// Writes every option given on the command line into `profile` (options not given keep
    /// the profile's values).
    pub fn apply_to(&self, profile: &mut Profile) {
        if let Some(endpoint) = &self.endpoint {
            profile.endpoint = Some(endpoint.clone());
        }
        if self.upload_token {
            profile.upload_token = true;
        }
        if let Some(bucket) = &self.bucket {
            profile.bucket = Some(bucket.clone());
        }
        if let Some(prefix) = &self.object_prefix {
            profile.object_prefix = prefix.clone();
        }
        if let Some(title) = &self.title {
            profile.title = Some(title.clone());
        }
        if let Some(description) = &self.description {
            profile.description = description.clone();
        }
        if let Some(tags) = &self.tags {
            profile.tags = tags.clone();
        }
        if let Some(privacy) = self.privacy {
            profile.privacy = match privacy {
                PrivacyArg::Private => Privacy::Private,
                PrivacyArg::Unlisted => Privacy::Unlisted,
                PrivacyArg::Public => Privacy::Public,
            };
        }
        if let Some(category) = &self.category {
            profile.category = Some(category.clone());
        }
        if let Some(folder_id) = &self.folder_id {
            profile.folder_id = Some(folder_id.clone());
        }
        if self.public {
            profile.public = true;
        }
        if let Some(asset_type) = self.asset_type {
            profile.asset_type = Some(match asset_type {
                AssetTypeArg::Video => AssetType::Video,
                AssetTypeArg::Audio => AssetType::Audio,
                AssetTypeArg::Image => AssetType::Image,
            });
        }
        if let Some(parallel_chunks) = self.parallel_chunks {
            profile.parallel_chunks = Some(parallel_chunks);
        }
        if let Some(max_size) = self.max_size {
            profile.max_size_bytes = Some(max_size);
        }
    }
}

/// A profile's "needs an endpoint"/"needs a bucket" message, in command-line words.
fn flag_words(message: &str) -> String {
    if message.contains("endpoint") {
        format!(
            "--kind {}",
            message.replacen(" needs an endpoint", " needs --endpoint", 1)
        )
    } else if message.contains("bucket") {
        format!(
            "--kind {}",
            message.replacen(" needs a bucket", " needs --bucket", 1)
        )
    } else {
        message.to_string()
    }
}

impl Kind {
    /// The profile kind this command-line kind names.
    pub fn into_profile_kind(self) -> ProfileKind {
        self.into()
    }
}

impl From<Kind> for ProfileKind {
    fn from(kind: Kind) -> ProfileKind {
        match kind {
            Kind::GoogleResumable => ProfileKind::GoogleResumable,
            Kind::YouTube => ProfileKind::YouTube,
            Kind::Drive => ProfileKind::Drive,
            Kind::CloudStorage => ProfileKind::CloudStorage,
            Kind::ApiVideo => ProfileKind::ApiVideo,
            Kind::Multipart => ProfileKind::Multipart,
            Kind::Tus => ProfileKind::Tus,
        }
    }
}

/// How the engine runs for this command.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Uploads running at once (when not set: 2, and up to 16 while the files are small, 8 MiB
    /// or less each).
    #[arg(long)]
    pub parallel: Option<usize>,
    /// Bandwidth limit for all uploads together, per second (e.g. 5MiB); 0 = none.
    #[arg(long, value_parser = parse_bytes, default_value = "0")]
    pub bandwidth_limit: u64,
    /// Speed limits by time of day, in rclone's --bwlimit syntax (local time): e.g.
    /// "08:00,2M 19:00,off" or "Mon-08:00,512k Sat-00:00,off". Overrides --bandwidth-limit.
    #[arg(long, value_name = "SCHEDULE", value_parser = parse_schedule)]
    pub bwlimit_schedule: Option<BandwidthSchedule>,
    /// Print one JSON object per line for every event instead of progress bars.
    #[arg(long)]
    pub json: bool,
    /// First wait before retrying.
    #[arg(long, default_value_t = DurationArg(RetryPolicy::DEFAULT.initial_wait))]
    pub retry_initial: DurationArg,
    /// Longest single wait before retrying.
    #[arg(long, default_value_t = DurationArg(RetryPolicy::DEFAULT.max_wait))]
    pub retry_max_wait: DurationArg,
    /// Give up after failing this long without progress.
    #[arg(long, default_value_t = DurationArg(RetryPolicy::DEFAULT.total_budget))]
    pub retry_budget: DurationArg,
    /// Abandon and retry a request during which nothing moves for this long.
    #[arg(long, default_value_t = DurationArg(EngineConfig::DEFAULT_STALL_TIMEOUT))]
    pub stall_timeout: DurationArg,
    /// Let the computer sleep while uploading (by default Hoist holds logind's sleep inhibitor
    /// while uploads send).
    #[arg(long)]
    pub no_keep_awake: bool,
    /// New chunks wait while NetworkManager says the connection is metered, and go on when it
    /// is not.
    #[arg(long)]
    pub pause_on_metered: bool,
}

impl Default for RunArgs {
    /// The engine's defaults, as `--help` shows them.
    fn default() -> Self {
        RunArgs {
            parallel: None,
            bandwidth_limit: 0,
            bwlimit_schedule: None,
            json: false,
            retry_initial: DurationArg(RetryPolicy::DEFAULT.initial_wait),
            retry_max_wait: DurationArg(RetryPolicy::DEFAULT.max_wait),
            retry_budget: DurationArg(RetryPolicy::DEFAULT.total_budget),
            stall_timeout: DurationArg(EngineConfig::DEFAULT_STALL_TIMEOUT),
            no_keep_awake: false,
            pause_on_metered: false,
        }
    }
}

/// A duration on the command line, typed as `250ms`, `2s` or `10m` and shown the same way in
/// `--help`, so the defaults there come from the engine's constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationArg(pub Duration);

impl std::str::FromStr for DurationArg {
    type Err = hoist_core::units::UnitParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_duration(text).map(DurationArg)
    }
}

impl std::fmt::Display for DurationArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let millis = self.0.as_millis();
        match (millis % 1000, millis / 1000) {
            (0, seconds) if seconds >= 60 && seconds % 60 == 0 => write!(f, "{}m", seconds / 60),
            (0, seconds) => write!(f, "{seconds}s"),
            _ => write!(f, "{millis}ms"),
        }
    }
}

/// `--bwlimit-schedule`: the schedule, or what is wrong with it in words.
fn parse_schedule(text: &str) -> Result<BandwidthSchedule, String> {
    BandwidthSchedule::parse(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_show_as_typed_and_read_back() {
        for (text, shown) in [
            ("10m", "10m"),
            ("64s", "64s"),
            ("1s", "1s"),
            ("250ms", "250ms"),
            ("1.5s", "1500ms"),
            ("90s", "90s"),
        ] {
            let parsed: DurationArg = text.parse().expect("parses");
            assert_eq!(parsed.to_string(), shown, "{text}");
            assert_eq!(shown.parse::<DurationArg>(), Ok(parsed), "{shown}");
        }
        assert!("soon".parse::<DurationArg>().is_err());
    }

    #[test]
    fn command_line_defaults_are_the_engines() {
        let cli = Cli::parse_from(["hoist", "resume", "--all"]);
        let Some(CliCommand::Resume { run, .. }) = cli.command else {
            panic!("parsed as resume");
        };
        assert_eq!(run.parallel, None);
        assert_eq!(run.retry_initial.0, RetryPolicy::DEFAULT.initial_wait);
        assert_eq!(run.retry_max_wait.0, RetryPolicy::DEFAULT.max_wait);
        assert_eq!(run.retry_budget.0, RetryPolicy::DEFAULT.total_budget);
        assert_eq!(run.stall_timeout.0, EngineConfig::DEFAULT_STALL_TIMEOUT);
        assert_eq!(RunArgs::default().stall_timeout, run.stall_timeout);
    }
}
