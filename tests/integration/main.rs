//! Integration tests: the real `hoist` binary against the in-repo reference server on 127.0.0.1
//! (port 0) and against independent servers. One binary, a module per area (ripgrep's layout).

#![allow(
    clippy::disallowed_methods,
    reason = "tests start their own servers, runtimes and threads"
)]

mod apivideo;
mod architecture;
mod bad_input;
mod bad_input_during;
mod chaos;
mod conformance;
mod demo_relaunch;
mod desktop;
mod engine;
mod expiry;
mod expiry_resume;
mod google;
mod history;
mod hostile;
mod instance;
mod interop;
mod interop_tus;
mod interrupted;
mod keyring;
mod kill;
mod multipart;
mod oauth;
mod packaging;
mod peers;
mod power;
mod power_cli;
mod power_stand_in;
mod profiles;
mod protocols;
mod queue_order;
mod resume_progress;
mod sleep;
mod sleep_window;
mod speed;
mod speed_schedule;
mod support;
mod support_bundle;
mod support_bundle_history;
mod tls;
mod tray_dbus;
mod tus;
mod upgrade;
mod watch;
mod window;
mod window_copy_link;
mod window_expiry;
mod window_history;
mod window_lifecycle;
mod window_looks;
mod window_power;
mod window_profiles;
mod window_queue_order;
mod window_settings_small;
mod window_shortcuts;
mod window_speed_limits;
mod window_start;
mod window_support;
mod window_toolbar;
mod window_tray;
mod window_watch;
