//! Drawing the profile editor: the service picker, then the fields that service needs in its
//! own terms, with the rarely needed ones folded under "Advanced settings".

use super::*;

/// The picker: every service with its badge and one line of what it needs.
/// Returns true when it is cancelled.
pub(super) fn picker(ui: &mut Ui, editor: &mut Editor) -> bool {
    let mut cancel = false;
    ui.horizontal(|ui| {
        ui.label(RichText::new("Where do you want to upload?").strong());
        cancel = ui.button("Cancel").clicked();
    });
    ui.add_space(4.0);
    for service in ServiceChoice::ALL {
        let row = ui.horizontal(|ui| {
            service.draw_badge(ui, 32.0);
            ui.vertical(|ui| {
                let name =
                    ui.add(egui::Button::new(RichText::new(service.name()).strong()).frame(false));
                ui.label(service.needs());
                name.clicked()
            })
            .inner
        });
        // The whole card answers a click, not only the name.
        let card = ui.interact(
            row.response.rect,
            ui.scope_id().with(("service card", service.name())),
            egui::Sense::click(),
        );
        if card.hovered() {
            ui.painter().rect_stroke(
                row.response.rect.expand(2.0),
                4.0,
                ui.visuals().widgets.hovered.bg_stroke,
                egui::StrokeKind::Outside,
            );
        }
        if row.inner
            || card
                .on_hover_cursor(egui::CursorIcon::PointingHand)
                .clicked()
        {
            editor.choose(service);
        }
        ui.add_space(2.0);
    }
    cancel
}

/// The form for the picked service.
pub(super) fn form(ui: &mut Ui, editor: &mut Editor) {
    let service = editor.service();
    ui.horizontal(|ui| {
        service.draw_badge(ui, 24.0);
        ui.label(RichText::new(service.name()).strong());
        if editor.editing.is_none() && ui.button("Choose another service").clicked() {
            editor.service = None;
        }
    });
    egui::Grid::new("profile form")
        .num_columns(2)
        .show(ui, |ui| {
            text_row(ui, "Name", &mut editor.name, "for example My videos");
            if service.needs_address() {
                text_row(
                    ui,
                    ADDRESS_LABEL,
                    &mut editor.endpoint,
                    "https://upload.example.com/files/",
                );
            }
            secret_rows(ui, editor, service);
            service_rows(ui, editor, service);
        });
    advanced(ui, editor, service);
}

fn text_row(ui: &mut Ui, label: &str, text: &mut String, hint: &str) {
    let label = ui.label(label);
    ui.add(egui::TextEdit::singleline(text).hint_text(hint))
        .labelled_by(label.id);
    ui.end_row();
}

/// The fields only this service has.
fn service_rows(ui: &mut Ui, editor: &mut Editor, service: ServiceChoice) {
    match service {
        ServiceChoice::CloudStorage => {
            text_row(ui, "Bucket", &mut editor.bucket, "the bucket's name");
            text_row(
                ui,
                "Folder in the bucket",
                &mut editor.profile.object_prefix,
                "none: the top of the bucket",
            );
        }
        ServiceChoice::Drive => {
            text_row(
                ui,
                "Folder ID",
                &mut editor.folder_id,
                "empty: My Drive; or the end of the folder's address",
            );
        }
        ServiceChoice::YouTube | ServiceChoice::ApiVideo => {
            text_row(ui, "Title", &mut editor.title, "the file's name");
            let label = ui.label("Description");
            ui.add(egui::TextEdit::multiline(&mut editor.profile.description).desired_rows(2))
                .labelled_by(label.id);
            ui.end_row();
            text_row(ui, "Tags", &mut editor.tags, "separated by commas");
            if service == ServiceChoice::YouTube {
                let label = ui.label("Who can watch");
                egui::ComboBox::from_id_salt("profile privacy")
                    .selected_text(privacy_words(editor.profile.privacy))
                    .show_ui(ui, |ui| {
                        for privacy in PRIVACIES {
                            ui.selectable_value(
                                &mut editor.profile.privacy,
                                privacy,
                                privacy_words(privacy),
                            );
                        }
                    })
                    .response
                    .labelled_by(label.id);
                ui.end_row();
            } else {
                ui.label("");
                ui.checkbox(&mut editor.profile.public, "Anyone with the link may watch");
                ui.end_row();
            }
        }
        ServiceChoice::TwelveLabs | ServiceChoice::Tus | ServiceChoice::GoogleStyle => {}
    }
}

/// The key, token or Google sign-in.
fn secret_rows(ui: &mut Ui, editor: &mut Editor, service: ServiceChoice) {
    if service.kind().is_google() {
        ui.label("");
        ui.checkbox(&mut editor.sign_in, SIGN_IN_CHECKBOX);
        ui.end_row();
    }
    if editor.signs_in() {
        text_row(
            ui,
            "OAuth client ID",
            &mut editor.client_id,
            "from your Google Cloud project (see the README)",
        );
    }
    let label = ui.label(editor.secret_label());
    let hint = if editor.editing.is_some() {
        "leave empty to keep the saved one".to_string()
    } else if editor.signs_in() {
        "the OAuth client's secret".to_string()
    } else {
        service.key_source().to_string()
    };
    ui.add(
        egui::TextEdit::singleline(&mut editor.secret)
            .password(true)
            .hint_text(hint),
    )
    .labelled_by(label.id);
    ui.end_row();
}

/// Folded away: the server address of services that have their own, piece size, and the
/// service's rarely needed switches.
fn advanced(ui: &mut Ui, editor: &mut Editor, service: ServiceChoice) {
    egui::CollapsingHeader::new("Advanced settings")
        .id_salt("profile advanced")
        .show(ui, |ui| {
            egui::Grid::new("profile advanced grid")
                .num_columns(2)
                .show(ui, |ui| {
                    if !service.needs_address() {
                        let default = Profile::new(service.kind())
                            .effective_endpoint()
                            .unwrap_or_default();
                        text_row(ui, "Server address", &mut editor.endpoint, &default);
                    }
                    let label = ui.label("Piece size");
                    ui.horizontal(|ui| {
                        ui.add(
                            egui::DragValue::new(&mut editor.chunk_size_mib)
                                .range(0..=1024)
                                .suffix(" MiB"),
                        )
                        .labelled_by(label.id)
                        .on_hover_text(
                            "Files are sent in pieces of this size; after a dropped connection \
                             at most one piece is sent again. 0 sends each file in one go.",
                        );
                        if editor.chunk_size_mib == 0 {
                            ui.label("each file in one go");
                        }
                    });
                    ui.end_row();
                    if service == ServiceChoice::TwelveLabs {
                        let label = ui.label("Pieces sent at once");
                        ui.add(egui::DragValue::new(&mut editor.parallel_chunks).range(1..=16))
                            .labelled_by(label.id);
                        ui.end_row();
                    }
                    if service == ServiceChoice::ApiVideo {
                        ui.label("");
                        ui.checkbox(
                            &mut editor.profile.upload_token,
                            "I have an upload token instead of an API key",
                        );
                        ui.end_row();
                    }
                });
        });
}
