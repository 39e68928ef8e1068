//! Putting the queue in order from the window: "Move to top", "Move up", "Move down" and "Upload
//! next" in a row's "…" menu and right-click menu; Alt+Up and Alt+Down on the selected row (a
//! click or Tab selects it); and dragging a row to another place. Each sends an
//! [`engine::Command`](hoist_core::engine::Command); the rows change places when the engine's
//! [`Event::QueueOrder`](hoist_core::engine::Event::QueueOrder) comes back.

use egui::{Id, Key, LayerId, Modifiers, Order, Rect, Response, Role, Sense, Ui, WidgetInfo};

use super::actions::{UiAction, row_command};
use super::model::Row;
use hoist_core::engine::{Command, QueueMove};
use hoist_core::upload::{Phase, UploadAction, UploadId};

/// The menu item that moves a row to the top of the queue.
pub const MOVE_TO_TOP: &str = "Move to top";
/// The menu item that moves a row one place up.
pub const MOVE_UP: &str = "Move up";
/// The menu item that moves a row one place down.
pub const MOVE_DOWN: &str = "Move down";
/// The menu item that puts a finished upload's link on the clipboard.
pub const COPY_LINK: &str = "Copy link";
/// The menu item that makes a file the next to start.
pub const UPLOAD_NEXT: &str = "Upload next";

/// Where a row is in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// Its index, 0 at the top.
    pub index: usize,
    /// How many rows there are.
    pub count: usize,
}

/// What is carried while a row is dragged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DraggedRow {
    id: UploadId,
    from: usize,
}

/// The row the keyboard last moved, kept in view while it has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Followed(UploadId);

/// The rows drawn in the last frame (first and last index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Visible(usize, usize);

/// The id of the row of `id`: stable across frames and moves, so the selection follows it.
pub fn row_id(id: UploadId) -> Id {
    Id::unique(("queue-row", id.0))
}

/// The row's own response (select, drag, right-click) over `rect`, and its selection look. Call
/// before drawing the row's contents, so they lie on top of it.
pub fn row_response(ui: &mut Ui, rect: Rect, row: &Row, place: Place) -> Response {
    let response = ui.interact(rect, row_id(row.upload.id), Sense::click_and_drag());
    response.widget_info(|| {
        WidgetInfo::labeled(
            Role::ListItem,
            true,
            format!(
                "{}, number {} of {} in the queue",
                row.upload.file_name,
                place.index + 1,
                place.count
            ),
        )
    });
    if selected(&response) || response.dragged() {
        let fill = ui.visuals().selection.bg_fill.gamma_multiply(0.35);
        ui.painter().rect_filled(rect, 4.0, fill);
    }
    response
}

/// Whether the row is the selected one: it has the focus, also while the window does not (the
/// selection stays visible then, as in file managers).
fn selected(response: &Response) -> bool {
    response.ctx.memory(|m| m.has_focus(response.id))
}

/// After the row is drawn: selection by click, the right-click menu, the keyboard moves, and
/// dragging (this row, or another row dropped onto it).
pub fn after_row(
    ui: &mut Ui,
    response: &Response,
    row: &Row,
    place: Place,
    actions: &mut Vec<UiAction>,
) {
    if response.clicked() || response.drag_started() || response.secondary_clicked() {
        response.request_focus();
    }
    response.context_menu(|ui| menu_items(ui, row, place, actions));
    if selected(response) {
        keyboard(ui, row, place, actions);
    }
    drag(ui, response, row, place, actions);
}

/// The items of the "…" menu and the right-click menu: "Copy link" when the service gave a link
/// (to paste in a message), then the queue order's four.
pub fn menu_items(ui: &mut Ui, row: &Row, place: Place, actions: &mut Vec<UiAction>) {
    let id = row.upload.id;
    let name = &row.upload.file_name;
    if let Some(url) = row.upload.result.as_ref().and_then(|r| r.url.clone()) {
        if ui
            .button(COPY_LINK)
            .on_hover_text(format!("Copy the link to {name}, to paste it in a message"))
            .clicked()
        {
            actions.push(UiAction::CopyLink(url));
        }
        ui.separator();
    }
    let items = [
        (MOVE_TO_TOP, "", place.index > 0, QueueMove::Top),
        (MOVE_UP, "Alt+Up", place.index > 0, QueueMove::Up),
        (
            MOVE_DOWN,
            "Alt+Down",
            place.index + 1 < place.count,
            QueueMove::Down,
        ),
    ];
    for (label, shortcut, enabled, to) in items {
        let mut button = egui::Button::new(label);
        if !shortcut.is_empty() {
            button = button.shortcut_text(shortcut);
        }
        if ui
            .add_enabled(enabled, button)
            .on_hover_text(format!("{label}: {name}"))
            .clicked()
        {
            actions.push(UiAction::Engine(Command::Move { id, to }));
        }
    }
    let can_go_next = matches!(
        row.upload.phase,
        Phase::Queued | Phase::Paused | Phase::Failed
    );
    if ui
        .add_enabled(can_go_next, egui::Button::new(UPLOAD_NEXT))
        .on_hover_text(format!(
            "Start {name} as soon as an upload finishes; uploads already running go on"
        ))
        .clicked()
    {
        actions.push(UiAction::Engine(Command::UploadNext(id)));
    }
}

/// Alt+Up and Alt+Down move the selected row, which stays in view; Space pauses it while it
/// waits or sends and resumes it when paused or stopped (as its Pause, Resume or Retry button).
fn keyboard(ui: &mut Ui, row: &Row, place: Place, actions: &mut Vec<UiAction>) {
    let (up, down, space) = ui.input_mut(|i| {
        // Space pressed, not held: a held key's repeats would pause and resume by turns.
        let space = i.events.iter().any(|e| {
            matches!(
                e,
                egui::Event::Key {
                    key: Key::Space,
                    pressed: true,
                    repeat: false,
                    modifiers,
                    ..
                } if modifiers.is_none()
            )
        });
        i.consume_key(Modifiers::NONE, Key::Space);
        (
            i.consume_key(Modifiers::ALT, Key::ArrowUp),
            i.consume_key(Modifiers::ALT, Key::ArrowDown),
            space,
        )
    });
    let id = row.upload.id;
    let phase = row.upload.phase;
    // The row's own Pause, Resume or Retry, nothing more (a row being processed offers none).
    let toggle = phase
        .offered_actions()
        .iter()
        .find(|a| matches!(a, UploadAction::Pause | UploadAction::Resume));
    if let Some(&action) = toggle.filter(|_| space) {
        actions.push(UiAction::Engine(row_command(action, id, phase)));
    }
    let to = if up && place.index > 0 {
        QueueMove::Up
    } else if down && place.index + 1 < place.count {
        QueueMove::Down
    } else {
        return;
    };
    actions.push(UiAction::Engine(Command::Move { id, to }));
    ui.ctx().data_mut(|d| d.insert_temp(Id::NULL, Followed(id)));
}

/// Dragging this row, or dropping another one onto it: above it in its upper half, below it in
/// its lower half, with a line where it will go.
fn drag(ui: &mut Ui, response: &Response, row: &Row, place: Place, actions: &mut Vec<UiAction>) {
    let dragged = DraggedRow {
        id: row.upload.id,
        from: place.index,
    };
    response.dnd_set_drag_payload(dragged);
    if response.dragged() {
        ui.ctx().set_cursor_icon(egui::CursorIcon::Grabbing);
        drag_label(ui, &row.upload.file_name);
    }
    let Some(pointer) = ui.ctx().pointer_interact_pos() else {
        return;
    };
    let below = pointer.y > response.rect.center().y;
    let before = place.index + usize::from(below);
    if let Some(payload) = response.dnd_hover_payload::<DraggedRow>() {
        let y = if below {
            response.rect.bottom()
        } else {
            response.rect.top()
        };
        if payload.id != row.upload.id {
            let stroke = egui::Stroke::new(2.0, ui.visuals().selection.stroke.color);
            ui.painter().hline(response.rect.x_range(), y, stroke);
        }
    }
    if let Some(payload) = response.dnd_release_payload::<DraggedRow>() {
        let to = if before > payload.from {
            before - 1
        } else {
            before
        };
        if payload.id != row.upload.id && to != payload.from {
            actions.push(UiAction::Engine(Command::Move {
                id: payload.id,
                to: QueueMove::To(to),
            }));
        }
    }
}

/// The dragged file's name beside the pointer.
fn drag_label(ui: &Ui, name: &str) {
    let Some(pointer) = ui.ctx().pointer_interact_pos() else {
        return;
    };
    let painter = ui
        .ctx()
        .layer_painter(LayerId::new(Order::Tooltip, Id::unique("queue-drag")));
    let visuals = ui.visuals();
    let galley = painter.layout_no_wrap(
        name.to_string(),
        egui::TextStyle::Body.resolve(ui.style()),
        visuals.strong_text_color(),
    );
    let at = pointer + egui::vec2(14.0, 8.0);
    let frame = Rect::from_min_size(at, galley.size()).expand(6.0);
    painter.rect_filled(frame, 4.0, visuals.window_fill);
    painter.rect_stroke(frame, 4.0, visuals.window_stroke, egui::StrokeKind::Outside);
    painter.galley(at, galley, visuals.strong_text_color());
}

/// Before the rows are laid out: the scroll offset that keeps the row the keyboard moved in
/// view (its new place may be just outside the rows drawn last frame), while it has the focus.
pub fn follow_offset(ui: &Ui, rows: &[Row], row_height: f32) -> Option<f32> {
    let ctx = ui.ctx();
    let Followed(id) = ctx.data(|d| d.get_temp::<Followed>(Id::NULL))?;
    let focused = ctx.memory(|m| m.focused()) == Some(row_id(id));
    let user_scrolls = ctx.input(|i| i.smooth_scroll_delta.y != 0.0 || i.pointer.any_pressed());
    if !focused || user_scrolls {
        ctx.data_mut(|d| d.remove::<Followed>(Id::NULL));
        return None;
    }
    let Visible(first, last) = ctx.data(|d| d.get_temp::<Visible>(Id::NULL))?;
    let index = rows.iter().position(|r| r.upload.id == id)?;
    let step = row_height + ui.spacing().item_spacing.y;
    if index < first + 1 && first > 0 {
        Some(index.saturating_sub(1) as f32 * step)
    } else if index + 1 > last && last + 1 < rows.len() {
        let shown = last.saturating_sub(first).max(1);
        Some((index + 2).saturating_sub(shown) as f32 * step)
    } else {
        None
    }
}

/// Within this distance of the list's top or bottom edge, a dragged row scrolls the list.
const DRAG_SCROLL_EDGE: f32 = 48.0;
/// The most a dragged row scrolls the list in one frame, at the very edge.
const DRAG_SCROLL_STEP: f32 = 14.0;

/// While a row is dragged near the top or bottom of the list, the list scrolls that way, faster
/// nearer the edge, so a row can be taken to a place out of view. Call inside the list.
pub fn drag_scroll(ui: &Ui) {
    if !egui::DragAndDrop::has_payload_of_type::<DraggedRow>(ui.ctx()) {
        return;
    }
    let Some(pointer) = ui.ctx().pointer_latest_pos() else {
        return;
    };
    let view = ui.clip_rect();
    let into_top = view.top() + DRAG_SCROLL_EDGE - pointer.y;
    let into_bottom = pointer.y - (view.bottom() - DRAG_SCROLL_EDGE);
    let speed = |depth: f32| depth.min(DRAG_SCROLL_EDGE) / DRAG_SCROLL_EDGE * DRAG_SCROLL_STEP;
    let delta = if into_top > 0.0 {
        speed(into_top)
    } else if into_bottom > 0.0 {
        -speed(into_bottom)
    } else {
        return;
    };
    ui.scroll_with_delta_animation(egui::vec2(0.0, delta), egui::style::ScrollAnimation::none());
    // Scrolling goes on while the row is held still at the edge.
    ui.ctx().request_repaint();
}

/// Remembers which rows were drawn, for [`follow_offset`] in the next frame.
pub fn remember_visible(ui: &Ui, range: &std::ops::Range<usize>) {
    let visible = Visible(range.start, range.end.saturating_sub(1));
    ui.ctx().data_mut(|d| d.insert_temp(Id::NULL, visible));
}
