//! How the window looks, in egui_kittest: every file name readable (the window's fonts have a
//! glyph for each character), nothing overlapping or cut off from 480x360 up, states told apart
//! by more than colour, text contrast, and the settings in words.

use std::sync::mpsc::Sender;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use hoist_core::engine::{EngineWarning, Event, UploadSnapshot};
use hoist_core::upload::{Destination, Phase, UploadId};
use hoist_ui::{ChannelBackend, HoistApp, UiSettings};

use crate::window_support::{loopback_destination, upload_row};

/// Real file names in each script, with the `fc-list` query that says whether the system has a
/// font for it at all.
const NAMES: &[(&str, &str, &[&str])] = &[
    (
        "Japanese",
        ":lang=ja",
        &["日本語の動画.mp4", "夏休み_京都旅行.mov"],
    ),
    (
        "Chinese",
        ":lang=zh-cn",
        &["我的视频.mp4", "家庭聚會 2024.mkv"],
    ),
    ("Korean", ":lang=ko", &["여름 휴가 영상.mp4"]),
    ("Arabic", ":lang=ar", &["فيديو العائلة.mp4"]),
    ("Hebrew", ":lang=he", &["סרטון משפחתי.mov"]),
    (
        "Cyrillic",
        ":lang=ru",
        &["Отпуск в Москве.mp4", "Їжак і ґанок.mov"],
    ),
    ("Greek", ":lang=el", &["Διακοπές στην Ελλάδα.mp4"]),
    ("Devanagari", ":lang=hi", &["शादी का वीडियो.mp4"]),
    (
        "emoji",
        ":charset=1f3ac",
        &["🎬 clip.mov", "🎉 party 🎂.mp4", "😀 selfie.jpg"],
    ),
];

fn destination() -> Destination {
    loopback_destination(9)
}

fn snapshot(id: i64, name: &str, phase: Phase) -> UploadSnapshot {
    upload_row(id, name, phase, destination(), 1_300_000_000, 4_000_000_000)
}

/// The window at `size` with `rows`, its system fonts installed as `hoist` installs them.
fn window_at(
    size: egui::Vec2,
    rows: Vec<UploadSnapshot>,
    settings: UiSettings,
) -> (Harness<'static, HoistApp>, Sender<Event>) {
    let (backend, command_rx, event_tx) = ChannelBackend::new();
    event_tx
        .send(Event::Restored { uploads: rows })
        .expect("send");
    // The receiver is dropped: these tests look, they do not check commands.
    drop(command_rx);
    let app = HoistApp::new(Box::new(backend), settings, None).without_notifications();
    let mut harness = Harness::builder().with_size(size).build_eframe(|cc| {
        hoist_ui::install_system_fonts(&cc.egui_ctx);
        app
    });
    harness.run();
    (harness, event_tx)
}

/// True when fontconfig lists a font for `query` (false when it does not, or is not there).
fn system_has_font(query: &str) -> bool {
    std::process::Command::new("fc-list")
        .args([query, "file"])
        .output()
        .map(|out| out.status.success() && !out.stdout.is_empty())
        .unwrap_or(false)
}

#[test]
fn every_file_name_has_a_glyph_for_each_character() {
    let in_ci = std::env::var_os("CI").is_some();
    let rows = NAMES
        .iter()
        .flat_map(|(_, _, names)| names.iter())
        .enumerate()
        .map(|(i, name)| snapshot(i as i64 + 1, name, Phase::Uploading))
        .collect();
    let (harness, _events) = window_at(egui::vec2(1280.0, 800.0), rows, UiSettings::default());
    let mut checked = 0;
    for (script, query, names) in NAMES {
        if !in_ci && !system_has_font(query) {
            eprintln!("skipped {script}: no font for it on this system (CI installs one)");
            continue;
        }
        for name in *names {
            for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
                let font = egui::FontId::new(14.0, family.clone());
                let missing: String = harness.ctx.fonts_mut(|fonts| {
                    name.chars()
                        .filter(|c| !c.is_whitespace() && !fonts.has_glyph(&font, *c))
                        .collect()
                });
                assert!(
                    missing.is_empty(),
                    "{script} name {name:?} ({family:?}) has no glyph for {missing:?}"
                );
            }
            checked += 1;
        }
    }
    // The check means something: egui's bundled fonts alone have no Japanese.
    let bare = egui::Context::default();
    bare.run_ui(egui::RawInput::default(), |_| {})
        .textures_delta
        .clear();
    let bundled_has_japanese =
        bare.fonts_mut(|fonts| fonts.has_glyph(&egui::FontId::proportional(14.0), '日'));
    assert!(!bundled_has_japanese, "the bundled fonts gained Japanese");
    if in_ci {
        assert_eq!(
            checked,
            NAMES.iter().map(|(_, _, n)| n.len()).sum::<usize>()
        );
    }
}

/// Rows in every state, with long names in several scripts, a failure with a long reason and a
/// finished upload with a link.
fn every_state() -> Vec<UploadSnapshot> {
    let mut rows = vec![
        snapshot(
            1,
            "日本語の動画 — 夏休みの思い出 2024 完全版.mp4",
            Phase::Uploading,
        ),
        snapshot(
            2,
            "🎬 clip of the school concert, the whole evening.mov",
            Phase::Paused,
        ),
        snapshot(3, "Отпуск в Москве.mp4", Phase::Failed),
        snapshot(
            4,
            "my-very-long-file-name-that-goes-on-and-on-and-on.mkv",
            Phase::FileChanged,
        ),
        snapshot(5, "여름 휴가 영상.mp4", Phase::Completed),
        snapshot(6, "wedding.mov", Phase::Queued),
        snapshot(7, "talk.mp4", Phase::Processing),
    ];
    rows[2].error = Some(hoist_core::upload::Failure::new(
        hoist_core::upload::FailureKind::TokenRefused,
        "The server refused the credentials: Invalid Credentials, please check the profile and try again later",
    ));
    rows[4].result = Some(hoist_core::upload::RemoteResult {
        remote_id: Some("abc".into()),
        url: Some("https://example.com/v/abc".into()),
        response: serde_json::Value::Null,
    });
    rows
}

/// Roles of the widgets a person clicks or types into.
const INTERACTIVE: &[egui::accesskit::Role] = &[
    egui::accesskit::Role::Button,
    egui::accesskit::Role::CheckBox,
    egui::accesskit::Role::ComboBox,
    egui::accesskit::Role::RadioButton,
    egui::accesskit::Role::Slider,
    egui::accesskit::Role::SpinButton,
    egui::accesskit::Role::TextInput,
    egui::accesskit::Role::Link,
];

/// The buttons of queue rows: a row cut by the bottom edge of the scrolling list may reach below
/// the window (it scrolls into view), even with its buttons (a narrow row puts them under its
/// name). The list lays out only rows at least partly in view (`show_rows`), so a row button
/// is never from a row wholly out of sight; every other edge must hold.
const ROW_BUTTONS: &[&str] = &[
    "Pause",
    "Resume",
    "Retry",
    "Restart",
    "Cancel",
    "Show file",
    "Open link",
    "Remove",
    hoist_ui::MORE_ACTIONS,
];

/// Every interactive widget's label and rectangle.
fn interactive_rects(harness: &Harness<'static, HoistApp>) -> Vec<(String, egui::Rect)> {
    use egui_kittest::kittest::NodeT;
    let mut all = Vec::new();
    for role in INTERACTIVE {
        for node in harness.query_all_by_role(*role) {
            let label = node.accesskit_node().label().unwrap_or_default();
            all.push((format!("{role:?} {label:?}"), node.rect()));
        }
    }
    all
}

/// Every text and progress bar's rectangle.
fn content_rects(harness: &Harness<'static, HoistApp>) -> Vec<(String, egui::Rect)> {
    use egui_kittest::kittest::NodeT;
    let mut all = Vec::new();
    for role in [
        egui::accesskit::Role::Label,
        egui::accesskit::Role::ProgressIndicator,
    ] {
        for node in harness.query_all_by_role(role) {
            let label = node.accesskit_node().label().unwrap_or_default();
            all.push((format!("{role:?} {label:?}"), node.rect()));
        }
    }
    all
}

fn overlaps(a: egui::Rect, b: egui::Rect) -> bool {
    let overlap = a.intersect(b);
    overlap.width() > 0.5 && overlap.height() > 0.5
}

fn assert_nothing_overlaps_or_is_cut(harness: &Harness<'static, HoistApp>, size: egui::Vec2) {
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, size);
    let widgets = interactive_rects(harness);
    assert!(widgets.len() >= 10, "{size:?}: only {widgets:?}");
    let content = content_rects(harness);
    // Rows reaching below the top of the status bar are cut by the end of the scrolling list.
    let list_end = content
        .iter()
        .filter(|(label, _)| label.contains(" done"))
        .map(|(_, rect)| rect.top())
        .fold(window.bottom(), f32::min);
    for (i, (a, ra)) in widgets.iter().enumerate() {
        let in_row = ROW_BUTTONS.iter().any(|b| a.ends_with(&format!("{b:?}")));
        let inside = ra.left() >= window.left() - 0.5
            && ra.right() <= window.right() + 0.5
            && ra.top() >= window.top() - 0.5
            && (ra.bottom() <= window.bottom() + 0.5 || in_row);
        assert!(inside, "{size:?}: {a} at {ra:?} is not fully in the window");
        for (b, rb) in &widgets[i + 1..] {
            assert!(
                !overlaps(*ra, *rb),
                "{size:?}: {a} at {ra:?} overlaps {b} at {rb:?}"
            );
        }
        if ra.bottom() > list_end + 0.5 {
            continue;
        }
        for (b, rb) in &content {
            if rb.bottom() <= list_end + 0.5 {
                assert!(
                    !overlaps(*ra, *rb),
                    "{size:?}: {a} at {ra:?} covers {b} at {rb:?}"
                );
            }
        }
    }
}

#[test]
fn nothing_overlaps_or_is_cut_from_480x360_up() {
    for (w, h) in [(480.0, 360.0), (800.0, 600.0), (1280.0, 800.0)] {
        let size = egui::vec2(w, h);
        let (mut harness, events) = window_at(size, every_state(), UiSettings::default());
        events
            .send(Event::Warning {
                kind: EngineWarning::JournalSetAside {
                    moved_to: "/home/someone-with-a-long-name/.local/share/hoist/journal.sqlite3.corrupt-1796582281".into(),
                },
                detail: "file is not a database".into(),
            })
            .expect("send");
        harness.run();
        harness.get_by_label("Dismiss");
        assert_nothing_overlaps_or_is_cut(&harness, size);
    }
}

#[test]
fn narrow_rows_fold_their_actions_into_a_menu() {
    let (mut harness, _events) = window_at(
        egui::vec2(480.0, 360.0),
        vec![snapshot(1, "日本語の動画.mp4", Phase::Paused)],
        UiSettings::default(),
    );
    harness.get_by_label("Resume");
    assert!(harness.query_by_label("Show file").is_none());
    harness.get_by_label(hoist_ui::MORE_ACTIONS).click();
    harness.run();
    harness.get_by_label("Show file");
    harness.get_by_label("Cancel");
    harness.get_by_label("Remove");
    // Wide, every action is a button of its own; the menu holds only the queue order's items.
    let (mut harness, _events) = window_at(
        egui::vec2(1280.0, 800.0),
        vec![snapshot(1, "日本語の動画.mp4", Phase::Paused)],
        UiSettings::default(),
    );
    harness.get_by_label("Show file");
    harness.get_by_label(hoist_ui::MORE_ACTIONS).click();
    harness.run();
    harness.get_by_label(hoist_ui::UPLOAD_NEXT);
    assert_eq!(harness.query_all_by_label("Show file").count(), 1);
}

#[test]
fn pause_and_resume_have_one_width_and_restart_says_what_it_does() {
    let size = egui::vec2(1280.0, 800.0);
    let (harness, _events) = window_at(
        size,
        vec![
            snapshot(1, "a.mp4", Phase::Uploading),
            snapshot(2, "b.mp4", Phase::Paused),
        ],
        UiSettings::default(),
    );
    let pause = harness.get_by_label("Pause").rect();
    let resume = harness.get_by_label("Resume").rect();
    assert!(
        (pause.width() - resume.width()).abs() < 0.5,
        "{pause:?} {resume:?}"
    );
    assert!(
        (pause.right() - resume.right()).abs() < 0.5,
        "{pause:?} {resume:?}"
    );
    let (mut harness, _events) = window_at(
        size,
        vec![snapshot(1, "a.mp4", Phase::FileChanged)],
        UiSettings::default(),
    );
    harness.get_by_label("Restart").hover();
    harness.run();
    harness.get_by_label_contains("Starts this file again from the beginning");
}

#[test]
fn text_and_state_colours_reach_4_5_to_1_in_both_themes() {
    let (harness, _events) = window_at(egui::vec2(800.0, 600.0), Vec::new(), UiSettings::default());
    let phases = [
        Phase::Queued,
        Phase::Uploading,
        Phase::Paused,
        Phase::Processing,
        Phase::Completed,
        Phase::Failed,
        Phase::FileChanged,
        Phase::Cancelled,
    ];
    for theme in [egui::Theme::Dark, egui::Theme::Light] {
        // The colours the window really uses: its context's style for the theme.
        let visuals = harness.ctx.style_of(theme).visuals.clone();
        let mut texts = vec![
            ("text", visuals.text_color()),
            ("weak text", visuals.weak_text_color()),
            ("error", visuals.error_fg_color),
            ("warning", visuals.warn_fg_color),
            ("link", visuals.hyperlink_color),
        ];
        for phase in phases {
            texts.push((phase.label(), hoist_ui::state_look(phase, &visuals).color));
        }
        for (background_name, background) in [
            ("panel", visuals.panel_fill),
            ("window", visuals.window_fill),
        ] {
            for (name, color) in &texts {
                let ratio = hoist_ui::contrast_ratio(*color, background);
                assert!(
                    ratio >= 4.5,
                    "{theme:?}: {name} {color:?} on {background_name} {background:?} is {ratio:.2}:1"
                );
            }
        }
        // States differ by icon, and the ones side by side differ by colour too.
        let looks: Vec<_> = [
            Phase::Queued,
            Phase::Uploading,
            Phase::Paused,
            Phase::Processing,
            Phase::Completed,
            Phase::Failed,
        ]
        .iter()
        .map(|p| hoist_ui::state_look(*p, &visuals))
        .collect();
        for (i, a) in looks.iter().enumerate() {
            for b in &looks[i + 1..] {
                assert_ne!(a.icon, b.icon, "{theme:?}");
                assert_ne!(a.color, b.color, "{theme:?}");
            }
        }
    }
}

#[test]
fn the_theme_choice_is_offered_applied_and_remembered() {
    let (mut harness, _events) =
        window_at(egui::vec2(800.0, 600.0), Vec::new(), UiSettings::default());
    assert_eq!(
        harness.state().settings().theme,
        hoist_ui::ThemeChoice::FollowSystem
    );
    // At this width Settings is in the toolbar's menu.
    crate::window_support::click(&mut harness, "Settings");
    harness.get_by_label("Follow system");
    harness.get_by_label("Dark");
    harness.get_by_label("Light").click();
    harness.run();
    assert_eq!(
        harness.state().settings().theme,
        hoist_ui::ThemeChoice::Light
    );
    assert_eq!(harness.ctx.theme(), egui::Theme::Light);
    // Remembered with the other settings.
    let saved = serde_json::to_string(harness.state().settings()).expect("serialise");
    let loaded: UiSettings = serde_json::from_str(&saved).expect("deserialise");
    assert_eq!(loaded.theme, hoist_ui::ThemeChoice::Light);
    // Settings from before the choice existed still load, following the system.
    let old: UiSettings = serde_json::from_str(r#"{"parallel_uploads":2}"#).expect("old");
    assert_eq!(old.theme, hoist_ui::ThemeChoice::FollowSystem);
}

/// A demo server that is only a destination.
struct NamedDemo;

impl hoist_ui::DemoControl for NamedDemo {
    fn destination(&self) -> Destination {
        destination()
    }
    fn set_flaky(&self, _flaky: bool) {}
    fn reset(&self) {}
}

#[test]
fn rows_name_the_destination_as_people_named_it() {
    let (backend, _command_rx, event_tx) = ChannelBackend::new();
    event_tx
        .send(Event::Restored {
            uploads: vec![snapshot(1, "a.mp4", Phase::Uploading)],
        })
        .expect("send");
    let app = HoistApp::new(
        Box::new(backend),
        UiSettings::default(),
        Some(Box::new(NamedDemo)),
    )
    .without_notifications();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(|_cc| app);
    harness.run();
    harness.get_by_label(&format!("to {}", hoist_ui::DEMO_DESTINATION));
    assert!(harness.query_by_label("to 127.0.0.1:9").is_none());
}

#[test]
fn time_left_is_never_0_s_and_100_percent_waits_for_the_end() {
    let (harness, events) = window_at(
        egui::vec2(1280.0, 800.0),
        vec![snapshot(1, "a.mp4", Phase::Uploading)],
        UiSettings::default(),
    );
    let mut harness = harness;
    // Every byte sent, the last not yet confirmed: "finishing", not "0 s left"; 99 %, not 100 %.
    events
        .send(Event::Progress(hoist_core::engine::Progress {
            id: UploadId(1),
            sent_bytes: 4_000_000_000,
            confirmed_bytes: 3_999_999_000,
            total_bytes: Some(4_000_000_000),
            rate_bytes_per_sec: 10_000_000.0,
        }))
        .expect("send");
    harness.run();
    harness.get_by_label("99 %");
    harness.get_by_label("9.54 MiB/s · 1 s left");
    // One upload: "1 upload" (not "1 uploads"), and the queue's time is the row's.
    harness.get_by_label("1 upload · 9.54 MiB/s · all done in 1 s");
    events
        .send(Event::Progress(hoist_core::engine::Progress {
            id: UploadId(1),
            sent_bytes: 4_000_000_000,
            confirmed_bytes: 4_000_000_000,
            total_bytes: Some(4_000_000_000),
            rate_bytes_per_sec: 10_000_000.0,
        }))
        .expect("send");
    harness.run();
    harness.get_by_label("9.54 MiB/s · finishing");
    // Neither the row nor the status bar says "0 s left".
    assert!(harness.query_by_label_contains(" 0 s left").is_none());
}
