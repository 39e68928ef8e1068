//! What the window remembers between runs.

use hoist_core::engine::EngineConfig;
use serde::{Deserialize, Serialize};

use super::theme::ThemeChoice;

/// What the window remembers between runs (eframe storage, UI state only: uploads live in the
/// journal). New fields load from old files thanks to `#[serde(default)]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UiSettings {
    /// Uploads at once.
    pub parallel_uploads: usize,
    /// Chunk size in MiB; 0 sends each file in one streaming request. The window defaults to
    /// 8 MiB chunks: the server then confirms progress as it goes (one stream is confirmed only at
    /// the end), at a small cost in speed.
    pub chunk_size_mib: u64,
    /// Piece size automatic (the default): pieces sized to take a few seconds each at the
    /// measured speed; `chunk_size_mib` applies only when this is off.
    pub chunk_size_auto: bool,
    /// Bandwidth limit in MiB/s for all uploads; 0 = none.
    pub bandwidth_limit_mib_per_sec: u64,
    /// A different limit during certain hours, every day (Settings: "A different limit during
    /// certain hours"); the slider's limit holds outside them.
    pub hours_limit_on: bool,
    /// The hours and their limit, kept while switched off so switching on brings them back.
    pub hours_limit: HoursLimit,
    /// A custom schedule in rclone's `--bwlimit` syntax ("Mon-08:00,512k Sat-00:00,off"), typed
    /// under Advanced; empty = none. When set and valid it decides the limit instead of the
    /// slider and the hours limit.
    pub speed_schedule: String,
    /// Continue unfinished uploads when Hoist starts (otherwise they wait, paused).
    pub auto_resume: bool,
    /// Desktop notifications when an upload finishes or fails.
    pub notifications: bool,
    /// The destination picked last (its label).
    pub destination: Option<String>,
    /// What closing the window does while uploads run, once the user has said (asked otherwise).
    pub on_close: Option<crate::CloseChoice>,
    /// Light, dark, or as the desktop says.
    pub theme: ThemeChoice,
    /// Keep the computer from sleeping while uploads send.
    pub keep_awake: bool,
    /// New pieces wait while the connection is metered.
    pub pause_on_metered: bool,
}

impl Default for UiSettings {
    fn default() -> Self {
        UiSettings {
            parallel_uploads: EngineConfig::DEFAULT_PARALLEL_UPLOADS,
            chunk_size_mib: 8,
            chunk_size_auto: true,
            bandwidth_limit_mib_per_sec: 0,
            hours_limit_on: false,
            hours_limit: HoursLimit::default(),
            speed_schedule: String::new(),
            auto_resume: true,
            notifications: true,
            destination: None,
            on_close: None,
            theme: ThemeChoice::default(),
            keep_awake: true,
            pause_on_metered: false,
        }
    }
}

/// A speed limit that holds every day between two times of day (local time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HoursLimit {
    /// When it starts: minutes after midnight.
    pub from_minute: u32,
    /// When it ends: minutes after midnight (before `from_minute`: it goes past midnight).
    pub to_minute: u32,
    /// The limit in MiB/s for all uploads together; 0 = no limit during these hours.
    pub limit_mib_per_sec: u64,
}

impl Default for HoursLimit {
    /// Working hours, 08:00 to 19:00, at most 2 MiB/s.
    fn default() -> Self {
        HoursLimit {
            from_minute: 8 * 60,
            to_minute: 19 * 60,
            limit_mib_per_sec: 2,
        }
    }
}

impl UiSettings {
    /// The chunk size in bytes (a multiple of 256 KiB), or `None` for streaming; with the
    /// automatic size, where it starts.
    pub fn chunk_size_bytes(&self) -> Option<u64> {
        if self.chunk_size_auto {
            return Some(hoist_core::protocol::DEFAULT_AUTO_START_BYTES);
        }
        (self.chunk_size_mib > 0).then_some(self.chunk_size_mib * 1024 * 1024)
    }

    /// Puts "keep the computer awake" and "pause on metered connections" into the engine's
    /// configuration (the window starts `hoist_core::system` beside the engine).
    pub fn apply_power(&self, config: &mut EngineConfig) {
        config.keep_awake = self.keep_awake;
        config.pause_on_metered = self.pause_on_metered;
    }

    /// The bandwidth limit in bytes per second (0 = none).
    pub fn bandwidth_limit_bytes_per_sec(&self) -> u64 {
        self.bandwidth_limit_mib_per_sec * 1024 * 1024
    }
}
