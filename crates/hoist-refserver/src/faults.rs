//! Fault injection: the `--fault` specs, the decisions taken from them, and what was injected.
//!
//! A [`FaultConfig`] is plain data built from spec strings such as `drop-after=1MiB` or
//! `error-rate=0.2:503`. The server keeps it in a [`FaultState`] together with the random source,
//! the per-kind counters and the shared throttle, so it can be swapped at run time.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::spec_units::{parse_duration, parse_size_bytes as parse_bytes};

/// Every fault spec the server understands, for error messages and `--help`.
pub const VALID_FAULT_SPECS: &str = "drop-after=BYTES, drop-rate=P, hang-rate=P, error-rate=P[:CODE], \
     retry-after=SECONDS, short-commit=BYTES, expire-after=BYTES[:410], unauthorized-every=N, \
     throttle=BYTES_PER_SEC, latency=DURATION, garbage-initiate, seed=N, \
     offset-conflict-rate=P, checksum-mismatch-rate=P, tus-expires=SECONDS, token-ttl=SECONDS, \
     rate-limit-every=N, processing-fail, lose-final-answer, apivideo-min-chunk=BYTES, \
     apivideo-processing=DURATION, url-expire-after=SECS, missing-etag-rate=P, \
     multipart-chunk-size=BYTES, multipart-processing=DURATION, oauth-token-ttl=SECS";

/// Counter names used in [`super::ServerStats::faults_injected`].
pub mod kind {
    /// A connection dropped by `drop-after`.
    pub const DROP_AFTER: &str = "drop-after";
    /// A connection dropped by `drop-rate`.
    pub const DROP_RATE: &str = "drop-rate";
    /// A request left hanging by `hang-rate`.
    pub const HANG_RATE: &str = "hang-rate";
    /// An error answer from `error-rate`.
    pub const ERROR_RATE: &str = "error-rate";
    /// A request that kept fewer bytes because of `short-commit`.
    pub const SHORT_COMMIT: &str = "short-commit";
    /// A session expired by `expire-after`.
    pub const EXPIRE_AFTER: &str = "expire-after";
    /// A 401 from `unauthorized-every`.
    pub const UNAUTHORIZED_EVERY: &str = "unauthorized-every";
    /// An upload request whose body reading was slowed by `throttle`.
    pub const THROTTLE: &str = "throttle";
    /// A response delayed by `latency`.
    pub const LATENCY: &str = "latency";
    /// A garbage initiate answer from `garbage-initiate`.
    pub const GARBAGE_INITIATE: &str = "garbage-initiate";
    /// A tus `PATCH` answered 409 by `offset-conflict-rate`.
    pub const OFFSET_CONFLICT_RATE: &str = "offset-conflict-rate";
    /// A tus `PATCH` answered 460 by `checksum-mismatch-rate`.
    pub const CHECKSUM_MISMATCH_RATE: &str = "checksum-mismatch-rate";
    /// A tus upload found expired (`tus-expires`).
    pub const TUS_EXPIRES: &str = "tus-expires";
    /// An api.video request refused because its access token expired (`token-ttl`).
    pub const TOKEN_TTL: &str = "token-ttl";
    /// A 429 from `rate-limit-every`.
    pub const RATE_LIMIT_EVERY: &str = "rate-limit-every";
    /// A video whose encoding failed because of `processing-fail`.
    pub const PROCESSING_FAIL: &str = "processing-fail";
    /// A finished upload whose answer was dropped by `lose-final-answer`.
    pub const LOSE_FINAL_ANSWER: &str = "lose-final-answer";
    /// A presigned multipart URL refused because it expired (`url-expire-after` makes them short).
    pub const URL_EXPIRED: &str = "url-expire-after";
    /// A chunk `PUT` answered without its ETag by `missing-etag-rate`.
    pub const MISSING_ETAG: &str = "missing-etag-rate";
}

/// The faults the reference server injects; built from `--fault` specs, all combinable.
///
/// `Default` injects nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultConfig {
    /// `drop-after=BYTES`: in every upload PUT, drop the connection after reading this many body bytes.
    pub drop_after_bytes: Option<u64>,
    /// `drop-rate=P`: drop this fraction of upload PUTs at a uniformly random point of the body.
    pub drop_rate: Option<f64>,
    /// `hang-rate=P`: this fraction of upload PUTs stop reading their body at a random point and
    /// answer nothing for [`HANG_DURATION`], then drop: a connection that stalls.
    pub hang_rate: Option<f64>,
    /// `error-rate=P[:CODE]`: answer an error to this fraction of upload requests.
    pub error_rate: Option<ErrorRate>,
    /// `retry-after=SECONDS`: the `Retry-After` header sent with `error-rate` answers.
    pub retry_after_secs: Option<u64>,
    /// `short-commit=BYTES`: keep this many bytes fewer than received on every non-final PUT.
    pub short_commit_bytes: Option<u64>,
    /// `expire-after=BYTES[:410]`: the first session that stores this many bytes expires.
    pub expire_after: Option<Expiry>,
    /// `unauthorized-every=N`: every Nth upload request answers 401.
    pub unauthorized_every: Option<u64>,
    /// `throttle=BYTES_PER_SEC`: read upload bodies no faster than this, for the whole server.
    pub throttle_bytes_per_sec: Option<u64>,
    /// `latency=DURATION`: wait this long before every response.
    pub latency: Option<Duration>,
    /// `garbage-initiate`: the initiate answers 200 with HTML and no `Location`.
    pub garbage_initiate: bool,
    /// `oauth-token-ttl=SECS`: lifetime of the access tokens `/oauth/token` issues (1 h by default).
    pub oauth_token_ttl_secs: Option<u64>,
    /// `seed=N`: seed of the random decisions (random when absent).
    pub seed: Option<u64>,
    /// `offset-conflict-rate=P` (tus): answer this fraction of `PATCH`es 409 Conflict without
    /// storing anything, as if another request had moved the offset.
    pub offset_conflict_rate: Option<f64>,
    /// `checksum-mismatch-rate=P` (tus): treat this fraction of `PATCH`es that carry an
    /// `Upload-Checksum` as corrupted in transit: the chunk is discarded and answered 460.
    pub checksum_mismatch_rate: Option<f64>,
    /// `tus-expires=SECONDS` (tus): uploads created while this is set expire this long after
    /// their creation (`Upload-Expires`), and answer 410 Gone from then on.
    pub tus_expires_secs: Option<u64>,
    /// `token-ttl=SECONDS`: api.video access tokens expire this long after they are handed out.
    pub token_ttl: Option<Duration>,
    /// `rate-limit-every=N`: every Nth api.video API request answers 429 with rate-limit headers.
    pub rate_limit_every: Option<u64>,
    /// `processing-fail`: api.video videos uploaded from now on fail to encode.
    pub processing_fail: bool,
    /// `lose-final-answer`: the first upload to finish is stored but its answer is lost (the
    /// connection drops instead).
    pub lose_final_answer: bool,
    /// `apivideo-min-chunk=BYTES`: api.video's smallest chunk (5 MiB) lowered, for tests.
    pub apivideo_min_chunk_bytes: Option<u64>,
    /// `apivideo-processing=DURATION`: how long api.video videos take to encode (500ms unless set).
    pub apivideo_processing: Option<Duration>,
    /// `url-expire-after=SECS`: presigned multipart URLs expire this long after they are made
    /// (an hour by default).
    pub url_expire_after: Option<Duration>,
    /// `missing-etag-rate=P`: this fraction of multipart chunk `PUT`s answer 200 without `ETag`.
    pub missing_etag_rate: Option<f64>,
    /// `multipart-chunk-size=BYTES`: the chunk size multipart sessions get (5 MiB by default).
    pub multipart_chunk_size_bytes: Option<u64>,
    /// `multipart-processing=DURATION`: how long a finished multipart upload stays `processing`.
    pub multipart_processing: Option<Duration>,
}

/// The `error-rate` fault: answer `status` to a fraction `probability` of upload requests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ErrorRate {
    /// Fraction of requests, from 0 to 1.
    pub probability: f64,
    /// The HTTP status answered (400 to 599; 503 by default).
    pub status: u16,
}

/// The `expire-after` fault: a session that stored `after_bytes` answers `status` from then on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expiry {
    /// Stored bytes at which the session expires.
    pub after_bytes: u64,
    /// 404 (default) or 410.
    pub status: u16,
}

/// A `--fault` spec that could not be understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FaultSpecError {
    /// The fault name is not one the server knows.
    #[error("unknown fault '{spec}' (valid faults: {VALID_FAULT_SPECS})")]
    Unknown {
        /// The spec as given.
        spec: String,
    },
    /// The name is known but its value is missing or invalid.
    #[error("invalid fault '{spec}': {reason} (valid faults: {VALID_FAULT_SPECS})")]
    BadValue {
        /// The spec as given.
        spec: String,
        /// What is wrong with the value.
        reason: String,
    },
}

impl FaultConfig {
    /// Adds one `--fault` spec (such as `drop-after=1MiB`) to this configuration.
    ///
    /// A later spec of the same kind replaces the earlier one.
    pub fn parse_spec(&mut self, spec: &str) -> Result<(), FaultSpecError> {
        let spec = Spec::new(spec);
        if self.parse_network_spec(&spec)?
            || self.parse_session_spec(&spec)?
            || self.parse_service_spec(&spec)?
        {
            Ok(())
        } else {
            Err(FaultSpecError::Unknown {
                spec: spec.spec.to_string(),
            })
        }
    }

    /// Faults of the connection and of every answer; false when `spec` is not one of them.
    fn parse_network_spec(&mut self, spec: &Spec<'_>) -> Result<bool, FaultSpecError> {
        match spec.name.as_str() {
            "drop-after" => self.drop_after_bytes = Some(spec.bytes(spec.need("BYTES")?)?),
            "drop-rate" => self.drop_rate = Some(spec.probability(spec.need("P")?)?),
            "hang-rate" => self.hang_rate = Some(spec.probability(spec.need("P")?)?),
            "error-rate" => {
                let value = spec.need("P[:CODE]")?;
                let (p, code) = match value.split_once(':') {
                    Some((p, code)) => (p, Some(code)),
                    None => (value, None),
                };
                let status = match code {
                    None => 503,
                    Some(code) => code
                        .trim()
                        .parse::<u16>()
                        .ok()
                        .filter(|c| (400..=599).contains(c))
                        .ok_or_else(|| spec.bad("the status code must be from 400 to 599"))?,
                };
                self.error_rate = Some(ErrorRate {
                    probability: spec.probability(p)?,
                    status,
                });
            }
            "retry-after" => {
                let value = spec.need("SECONDS")?;
                let secs = match value.parse::<u64>() {
                    Ok(secs) => secs,
                    Err(_) => {
                        let duration = spec.duration(value)?;
                        duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
                    }
                };
                self.retry_after_secs = Some(secs);
            }
            "throttle" => {
                let rate = spec.bytes(spec.need("BYTES_PER_SEC")?.trim_end_matches("/s"))?;
                if rate == 0 {
                    return Err(spec.bad("the rate must be more than 0 bytes per second"));
                }
                self.throttle_bytes_per_sec = Some(rate);
            }
            "latency" => self.latency = Some(spec.duration(spec.need("DURATION")?)?),
            "garbage-initiate" => self.garbage_initiate = spec.flag()?,
            "seed" => {
                let seed = spec
                    .need("N")?
                    .parse::<u64>()
                    .map_err(|_| spec.bad("expected a whole number"))?;
                self.seed = Some(seed);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Faults of upload sessions (offsets, expiry, credentials); false when `spec` is not one.
    fn parse_session_spec(&mut self, spec: &Spec<'_>) -> Result<bool, FaultSpecError> {
        match spec.name.as_str() {
            "short-commit" => self.short_commit_bytes = Some(spec.bytes(spec.need("BYTES")?)?),
            "expire-after" => {
                let value = spec.need("BYTES[:410]")?;
                let (size, code) = match value.split_once(':') {
                    Some((size, code)) => (size, Some(code.trim())),
                    None => (value, None),
                };
                let status = match code {
                    None | Some("404") => 404,
                    Some("410") => 410,
                    Some(_) => return Err(spec.bad("the status code must be 404 or 410")),
                };
                self.expire_after = Some(Expiry {
                    after_bytes: spec.bytes(size)?,
                    status,
                });
            }
            "unauthorized-every" => self.unauthorized_every = Some(spec.requests()?),
            "rate-limit-every" => self.rate_limit_every = Some(spec.requests()?),
            "offset-conflict-rate" => {
                self.offset_conflict_rate = Some(spec.probability(spec.need("P")?)?);
            }
            "checksum-mismatch-rate" => {
                self.checksum_mismatch_rate = Some(spec.probability(spec.need("P")?)?);
            }
            "tus-expires" => {
                let value = spec.need("SECONDS")?;
                let secs = match value.parse::<u64>() {
                    Ok(secs) => secs,
                    Err(_) => spec.duration(value)?.as_secs(),
                };
                if secs == 0 {
                    return Err(spec.bad("uploads must live at least 1 second"));
                }
                self.tus_expires_secs = Some(secs);
            }
            "token-ttl" => {
                let value = spec.need("SECONDS")?;
                let ttl = match value.parse::<u64>() {
                    Ok(secs) => Duration::from_secs(secs),
                    Err(_) => spec.duration(value)?,
                };
                if ttl.is_zero() {
                    return Err(spec.bad("the lifetime must be more than 0"));
                }
                self.token_ttl = Some(ttl);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Faults of one service (api.video, presigned multipart, OAuth); false when `spec` is not
    /// one of them.
    fn parse_service_spec(&mut self, spec: &Spec<'_>) -> Result<bool, FaultSpecError> {
        match spec.name.as_str() {
            "processing-fail" => self.processing_fail = spec.flag()?,
            "lose-final-answer" => self.lose_final_answer = spec.flag()?,
            "apivideo-min-chunk" => {
                self.apivideo_min_chunk_bytes = Some(spec.bytes(spec.need("BYTES")?)?);
            }
            "apivideo-processing" => {
                self.apivideo_processing = Some(spec.duration(spec.need("DURATION")?)?);
            }
            "url-expire-after" => {
                let value = spec.need("SECS")?;
                let duration = match value.parse::<f64>() {
                    Ok(secs) if secs.is_finite() && secs > 0.0 => Duration::from_secs_f64(secs),
                    _ => spec.duration(value)?,
                };
                if duration.is_zero() {
                    return Err(spec.bad("the lifetime must be more than 0"));
                }
                self.url_expire_after = Some(duration);
            }
            "missing-etag-rate" => {
                self.missing_etag_rate = Some(spec.probability(spec.need("P")?)?);
            }
            "multipart-chunk-size" => {
                let size = spec.bytes(spec.need("BYTES")?)?;
                if size == 0 {
                    return Err(spec.bad("the chunk size must be more than 0 bytes"));
                }
                self.multipart_chunk_size_bytes = Some(size);
            }
            "multipart-processing" => {
                self.multipart_processing = Some(spec.duration(spec.need("DURATION")?)?);
            }
            "oauth-token-ttl" => {
                let secs = spec
                    .need("SECS")?
                    .parse::<u64>()
                    .ok()
                    .filter(|secs| *secs >= 1)
                    .ok_or_else(|| spec.bad("expected a whole number of seconds, at least 1"))?;
                self.oauth_token_ttl_secs = Some(secs);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Builds a configuration from several `--fault` specs.
    pub fn from_specs<I, S>(specs: I) -> Result<FaultConfig, FaultSpecError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut config = FaultConfig::default();
        for spec in specs {
            config.parse_spec(spec.as_ref())?;
        }
        Ok(config)
    }

    /// The specs that rebuild this configuration with [`FaultConfig::from_specs`].
    pub fn to_specs(&self) -> Vec<String> {
        let mut specs = Vec::new();
        if let Some(bytes) = self.drop_after_bytes {
            specs.push(format!("drop-after={bytes}"));
        }
        if let Some(p) = self.drop_rate {
            specs.push(format!("drop-rate={p}"));
        }
        if let Some(p) = self.hang_rate {
            specs.push(format!("hang-rate={p}"));
        }
        if let Some(rate) = self.error_rate {
            specs.push(format!("error-rate={}:{}", rate.probability, rate.status));
        }
        if let Some(secs) = self.retry_after_secs {
            specs.push(format!("retry-after={secs}"));
        }
        if let Some(bytes) = self.short_commit_bytes {
            specs.push(format!("short-commit={bytes}"));
        }
        if let Some(expiry) = self.expire_after {
            specs.push(format!(
                "expire-after={}:{}",
                expiry.after_bytes, expiry.status
            ));
        }
        if let Some(n) = self.unauthorized_every {
            specs.push(format!("unauthorized-every={n}"));
        }
        if let Some(rate) = self.throttle_bytes_per_sec {
            specs.push(format!("throttle={rate}"));
        }
        if let Some(latency) = self.latency {
            specs.push(format!("latency={}ms", latency.as_secs_f64() * 1000.0));
        }
        if self.garbage_initiate {
            specs.push("garbage-initiate".to_string());
        }
        if let Some(secs) = self.oauth_token_ttl_secs {
            specs.push(format!("oauth-token-ttl={secs}"));
        }
        if let Some(seed) = self.seed {
            specs.push(format!("seed={seed}"));
        }
        if let Some(p) = self.offset_conflict_rate {
            specs.push(format!("offset-conflict-rate={p}"));
        }
        if let Some(p) = self.checksum_mismatch_rate {
            specs.push(format!("checksum-mismatch-rate={p}"));
        }
        if let Some(secs) = self.tus_expires_secs {
            specs.push(format!("tus-expires={secs}"));
        }
        if let Some(ttl) = self.token_ttl {
            specs.push(format!("token-ttl={}ms", ttl.as_secs_f64() * 1000.0));
        }
        if let Some(n) = self.rate_limit_every {
            specs.push(format!("rate-limit-every={n}"));
        }
        if self.processing_fail {
            specs.push("processing-fail".to_string());
        }
        if self.lose_final_answer {
            specs.push("lose-final-answer".to_string());
        }
        if let Some(bytes) = self.apivideo_min_chunk_bytes {
            specs.push(format!("apivideo-min-chunk={bytes}"));
        }
        if let Some(delay) = self.apivideo_processing {
            specs.push(format!(
                "apivideo-processing={}ms",
                delay.as_secs_f64() * 1000.0
            ));
        }
        if let Some(ttl) = self.url_expire_after {
            specs.push(format!("url-expire-after={}", ttl.as_secs_f64()));
        }
        if let Some(p) = self.missing_etag_rate {
            specs.push(format!("missing-etag-rate={p}"));
        }
        if let Some(size) = self.multipart_chunk_size_bytes {
            specs.push(format!("multipart-chunk-size={size}"));
        }
        if let Some(delay) = self.multipart_processing {
            specs.push(format!(
                "multipart-processing={}ms",
                delay.as_secs_f64() * 1000.0
            ));
        }
        specs
    }

    /// True when no fault is configured (a seed alone injects nothing).
    pub fn is_empty(&self) -> bool {
        FaultConfig {
            seed: None,
            ..self.clone()
        } == FaultConfig::default()
    }
}

impl fmt::Display for FaultConfig {
    /// The specs separated by spaces, or `none`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        f.write_str(&self.to_specs().join(" "))
    }
}

/// One `--fault` spec being read: the name (lower case), the value after `=`, and errors that
/// quote the spec as given.
struct Spec<'a> {
    spec: &'a str,
    name: String,
    value: Option<&'a str>,
}

impl<'a> Spec<'a> {
    fn new(spec: &'a str) -> Spec<'a> {
        let trimmed = spec.trim();
        let (name, value) = match trimmed.split_once('=') {
            Some((name, value)) => (name.trim().to_ascii_lowercase(), Some(value.trim())),
            None => (trimmed.to_ascii_lowercase(), None),
        };
        Spec { spec, name, value }
    }

    fn bad(&self, reason: &str) -> FaultSpecError {
        FaultSpecError::BadValue {
            spec: self.spec.to_string(),
            reason: reason.to_string(),
        }
    }

    /// The value, which this fault needs (`what` names its form in the error).
    fn need(&self, what: &str) -> Result<&'a str, FaultSpecError> {
        self.value
            .ok_or_else(|| self.bad(&format!("expected {}={what}", self.name)))
    }

    /// A fault that is on or off: it takes no value.
    fn flag(&self) -> Result<bool, FaultSpecError> {
        match self.value {
            Some(_) => Err(self.bad(&format!("{} takes no value", self.name))),
            None => Ok(true),
        }
    }

    fn bytes(&self, text: &str) -> Result<u64, FaultSpecError> {
        parse_bytes(text).map_err(|e| self.bad(&e.to_string()))
    }

    fn duration(&self, text: &str) -> Result<Duration, FaultSpecError> {
        parse_duration(text).map_err(|e| self.bad(&e.to_string()))
    }

    fn probability(&self, text: &str) -> Result<f64, FaultSpecError> {
        parse_probability(text)
            .ok_or_else(|| self.bad("expected a probability from 0 to 1, such as 0.1 or 10%"))
    }

    /// `N`: a whole number of requests, at least 1.
    fn requests(&self) -> Result<u64, FaultSpecError> {
        self.need("N")?
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| self.bad("expected a whole number of requests, at least 1"))
    }
}

/// Reads `0.25` or `25%` as a probability from 0 to 1.
fn parse_probability(text: &str) -> Option<f64> {
    let text = text.trim();
    let value = match text.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().ok()? / 100.0,
        None => text.parse::<f64>().ok()?,
    };
    (0.0..=1.0).contains(&value).then_some(value)
}

/// Why the gate in front of upload requests refused one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GateFault {
    /// `unauthorized-every`: answer 401.
    Unauthorized,
    /// `error-rate`: answer this status, with `Retry-After` when set.
    Error {
        status: u16,
        retry_after_secs: Option<u64>,
    },
}

/// Where to drop the connection within one request body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DropPoint {
    /// Body bytes of the request to read before dropping.
    pub after_body_bytes: u64,
    /// The counter to increment.
    pub kind: &'static str,
    /// Stop reading and wait [`HANG_DURATION`] before dropping (`hang-rate`).
    pub hang: bool,
}

/// How long a `hang-rate` request holds its connection without reading or answering.
pub const HANG_DURATION: Duration = Duration::from_secs(60);

/// The live fault configuration of a running server, with its random source and counters.
pub(crate) struct FaultState {
    current: Mutex<Current>,
    rng: Mutex<StdRng>,
    injected: Mutex<BTreeMap<&'static str, u64>>,
    upload_requests: AtomicU64,
    throttle_next: Mutex<Option<tokio::time::Instant>>,
}

struct Current {
    config: FaultConfig,
    generation: u64,
}

impl FaultState {
    /// Starts with `config`, seeding the random source from it (or from the OS).
    pub fn new(config: FaultConfig) -> Self {
        let rng = match config.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        FaultState {
            current: Mutex::new(Current {
                config,
                generation: 0,
            }),
            rng: Mutex::new(rng),
            injected: Mutex::new(BTreeMap::new()),
            upload_requests: AtomicU64::new(0),
            throttle_next: Mutex::new(None),
        }
    }

    /// Replaces the configuration; a seed in it restarts the random source, and
    /// `unauthorized-every` counts requests from now on.
    pub fn set(&self, config: FaultConfig) {
        if let Some(seed) = config.seed {
            *lock(&self.rng) = StdRng::seed_from_u64(seed);
        }
        let mut current = lock(&self.current);
        current.config = config;
        current.generation += 1;
        self.upload_requests.store(0, Ordering::Relaxed);
    }

    /// A copy of the configuration in force.
    pub fn config(&self) -> FaultConfig {
        lock(&self.current).config.clone()
    }

    /// Changes each time the configuration is replaced.
    pub fn generation(&self) -> u64 {
        lock(&self.current).generation
    }

    /// Counts one injected fault of `kind`.
    pub fn count(&self, kind: &'static str) {
        *lock(&self.injected).entry(kind).or_insert(0) += 1;
    }

    /// The counters of injected faults.
    pub fn injected(&self) -> BTreeMap<String, u64> {
        lock(&self.injected)
            .iter()
            .map(|(kind, count)| ((*kind).to_string(), *count))
            .collect()
    }

    /// The delay before responses, counted when set.
    pub fn latency(&self) -> Option<Duration> {
        let latency = lock(&self.current).config.latency?;
        self.count(kind::LATENCY);
        Some(latency)
    }

    /// Decides, before reading its body, whether an upload request is refused.
    pub fn gate(&self) -> Option<GateFault> {
        let config = self.config();
        let n = self.upload_requests.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(every) = config.unauthorized_every
            && n.is_multiple_of(every)
        {
            self.count(kind::UNAUTHORIZED_EVERY);
            return Some(GateFault::Unauthorized);
        }
        if let Some(rate) = config.error_rate
            && self.chance(rate.probability)
        {
            self.count(kind::ERROR_RATE);
            return Some(GateFault::Error {
                status: rate.status,
                retry_after_secs: config.retry_after_secs,
            });
        }
        None
    }

    /// Where to drop the connection in a body of `body_len` bytes (if known), of which
    /// `already_read` were read. Asked again when the configuration changes mid-body.
    pub fn drop_point(&self, body_len: Option<u64>, already_read: u64) -> Option<DropPoint> {
        let config = self.config();
        let mut point: Option<DropPoint> = None;
        if let Some(after) = config.drop_after_bytes {
            point = Some(DropPoint {
                after_body_bytes: after.max(already_read),
                kind: kind::DROP_AFTER,
                hang: false,
            });
        }
        // The random faults: each may pick a point in the rest of the body; the earliest wins.
        for (probability, kind, hang) in [
            (config.drop_rate, kind::DROP_RATE, false),
            (config.hang_rate, kind::HANG_RATE, true),
        ] {
            if let (Some(p), Some(len)) = (probability, body_len)
                && len > already_read
                && self.chance(p)
            {
                let at = already_read + self.below(len - already_read);
                if point.is_none_or(|existing| at < existing.after_body_bytes) {
                    point = Some(DropPoint {
                        after_body_bytes: at,
                        kind,
                        hang,
                    });
                }
            }
        }
        point
    }

    /// Waits as long as the `throttle` fault asks for `bytes` just read; true if it is set.
    pub async fn throttle(&self, bytes: u64) -> bool {
        let Some(rate) = lock(&self.current).config.throttle_bytes_per_sec else {
            return false;
        };
        let done = {
            let now = tokio::time::Instant::now();
            let mut next = lock(&self.throttle_next);
            let start = next.filter(|t| *t > now).unwrap_or(now);
            let done = start + Duration::from_secs_f64(bytes as f64 / rate as f64);
            *next = Some(done);
            done
        };
        tokio::time::sleep_until(done).await;
        true
    }

    /// Decides whether this tus `PATCH` is answered 409 (`offset-conflict-rate`); counts it.
    pub fn offset_conflict(&self) -> bool {
        let Some(p) = self.config().offset_conflict_rate else {
            return false;
        };
        let hit = self.chance(p);
        if hit {
            self.count(kind::OFFSET_CONFLICT_RATE);
        }
        hit
    }

    /// Decides whether this checksummed tus `PATCH` counts as corrupted
    /// (`checksum-mismatch-rate`); counts it.
    pub fn checksum_mismatch(&self) -> bool {
        let Some(p) = self.config().checksum_mismatch_rate else {
            return false;
        };
        let hit = self.chance(p);
        if hit {
            self.count(kind::CHECKSUM_MISMATCH_RATE);
        }
        hit
    }
    /// Decides whether this chunk `PUT` loses its ETag (`missing-etag-rate`), counting it.
    pub fn drop_etag(&self) -> bool {
        let Some(p) = self.config().missing_etag_rate else {
            return false;
        };
        let drop = self.chance(p);
        if drop {
            self.count(kind::MISSING_ETAG);
        }
        drop
    }

    fn chance(&self, probability: f64) -> bool {
        probability > 0.0 && lock(&self.rng).random_bool(probability.clamp(0.0, 1.0))
    }

    fn below(&self, n: u64) -> u64 {
        if n <= 1 {
            return 0;
        }
        lock(&self.rng).random_range(0..n)
    }
}

/// Locks a mutex, going on with the data if another thread panicked while holding it.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spec() {
        let config = FaultConfig::from_specs([
            "drop-after=1MiB",
            "drop-rate=0.1",
            "hang-rate=5%",
            "error-rate=25%:500",
            "retry-after=2",
            "short-commit=1000",
            "expire-after=4MiB:410",
            "unauthorized-every=3",
            "throttle=2MiB",
            "latency=50ms",
            "garbage-initiate",
            "seed=7",
            "offset-conflict-rate=0.3",
            "checksum-mismatch-rate=50%",
            "tus-expires=2s",
        ])
        .expect("valid specs");
        assert_eq!(config.offset_conflict_rate, Some(0.3));
        assert_eq!(config.checksum_mismatch_rate, Some(0.5));
        assert_eq!(config.tus_expires_secs, Some(2));
        assert_eq!(config.drop_after_bytes, Some(1 << 20));
        assert_eq!(config.drop_rate, Some(0.1));
        assert_eq!(config.hang_rate, Some(0.05));
        assert_eq!(
            config.error_rate,
            Some(ErrorRate {
                probability: 0.25,
                status: 500
            })
        );
        assert_eq!(config.retry_after_secs, Some(2));
        assert_eq!(config.short_commit_bytes, Some(1000));
        assert_eq!(
            config.expire_after,
            Some(Expiry {
                after_bytes: 4 << 20,
                status: 410
            })
        );
        assert_eq!(config.unauthorized_every, Some(3));
        assert_eq!(config.throttle_bytes_per_sec, Some(2 << 20));
        assert_eq!(config.latency, Some(Duration::from_millis(50)));
        assert!(config.garbage_initiate);
        assert_eq!(config.seed, Some(7));
        let again = FaultConfig::from_specs(config.to_specs()).expect("round trip");
        assert_eq!(again, config);
    }

    #[test]
    fn apivideo_specs_round_trip() {
        let config = FaultConfig::from_specs([
            "token-ttl=2",
            "rate-limit-every=4",
            "processing-fail",
            "lose-final-answer",
            "apivideo-min-chunk=64KiB",
            "apivideo-processing=300ms",
        ])
        .expect("valid specs");
        assert_eq!(config.token_ttl, Some(Duration::from_secs(2)));
        assert_eq!(config.rate_limit_every, Some(4));
        assert!(config.processing_fail && config.lose_final_answer);
        assert_eq!(config.apivideo_min_chunk_bytes, Some(64 * 1024));
        assert_eq!(config.apivideo_processing, Some(Duration::from_millis(300)));
        let again = FaultConfig::from_specs(config.to_specs()).expect("round trip");
        assert_eq!(again, config);
        assert!(FaultConfig::from_specs(["token-ttl=0"]).is_err());
        assert!(FaultConfig::from_specs(["rate-limit-every=0"]).is_err());
        assert!(FaultConfig::from_specs(["processing-fail=1"]).is_err());
    }

    #[test]
    fn parses_multipart_specs() {
        let config = FaultConfig::from_specs([
            "url-expire-after=1",
            "missing-etag-rate=0.3",
            "multipart-chunk-size=64KiB",
            "multipart-processing=300ms",
        ])
        .expect("valid specs");
        assert_eq!(config.url_expire_after, Some(Duration::from_secs(1)));
        assert_eq!(config.missing_etag_rate, Some(0.3));
        assert_eq!(config.multipart_chunk_size_bytes, Some(64 * 1024));
        assert_eq!(
            config.multipart_processing,
            Some(Duration::from_millis(300))
        );
        assert_eq!(
            FaultConfig::from_specs(config.to_specs()).expect("round trip"),
            config
        );
        for spec in [
            "url-expire-after=0",
            "missing-etag-rate=2",
            "multipart-chunk-size=0",
        ] {
            assert!(FaultConfig::from_specs([spec]).is_err(), "{spec}");
        }
    }

    #[test]
    fn oauth_token_ttl_spec() {
        let config = FaultConfig::from_specs(["oauth-token-ttl=2"]).expect("valid spec");
        assert_eq!(config.oauth_token_ttl_secs, Some(2));
        assert_eq!(config.to_specs(), ["oauth-token-ttl=2"]);
        assert!(FaultConfig::from_specs(["oauth-token-ttl=0"]).is_err());
        assert!(FaultConfig::from_specs(["oauth-token-ttl=soon"]).is_err());
    }

    #[test]
    fn defaults_of_optional_parts() {
        let config =
            FaultConfig::from_specs(["error-rate=0.5", "expire-after=1000"]).expect("valid specs");
        assert_eq!(config.error_rate.map(|r| r.status), Some(503));
        assert_eq!(config.expire_after.map(|e| e.status), Some(404));
        assert!(FaultConfig::default().is_empty());
        assert_eq!(FaultConfig::default().to_string(), "none");
    }

    #[test]
    fn rejects_bad_specs() {
        let unknown = FaultConfig::from_specs(["explode=1"]).expect_err("unknown");
        assert!(matches!(unknown, FaultSpecError::Unknown { .. }));
        assert!(unknown.to_string().contains("explode=1"));
        assert!(unknown.to_string().contains("drop-after=BYTES"));
        for spec in [
            "drop-after",
            "drop-after=lots",
            "drop-rate=1.5",
            "error-rate=0.1:200",
            "expire-after=10:500",
            "unauthorized-every=0",
            "throttle=0",
            "latency=soon",
            "garbage-initiate=yes",
            "seed=x",
            "offset-conflict-rate=2",
            "checksum-mismatch-rate",
            "tus-expires=0",
            "tus-expires=soon",
        ] {
            let err = FaultConfig::from_specs([spec]).expect_err(spec);
            assert!(matches!(err, FaultSpecError::BadValue { .. }), "{spec}");
        }
    }

    #[test]
    fn unauthorized_every_nth_request() {
        let state =
            FaultState::new(FaultConfig::from_specs(["unauthorized-every=3"]).expect("spec"));
        let refused: Vec<bool> = (0..6).map(|_| state.gate().is_some()).collect();
        assert_eq!(refused, [false, false, true, false, false, true]);
        assert_eq!(state.injected().get("unauthorized-every"), Some(&2));
    }

    #[test]
    fn drop_points() {
        let state =
            FaultState::new(FaultConfig::from_specs(["drop-after=100", "seed=1"]).expect("spec"));
        let point = state.drop_point(Some(1000), 0).expect("drop");
        assert_eq!(point.after_body_bytes, 100);
        let state =
            FaultState::new(FaultConfig::from_specs(["drop-rate=1", "seed=1"]).expect("spec"));
        for _ in 0..100 {
            let point = state.drop_point(Some(1000), 10).expect("always drops");
            assert!((10..1000).contains(&point.after_body_bytes));
        }
        assert!(state.drop_point(None, 0).is_none());
    }
}
