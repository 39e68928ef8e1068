//! The Settings window.

use super::*;

impl HoistApp {
    pub(super) fn settings_window(&mut self, ctx: &egui::Context, actions: &mut Vec<UiAction>) {
        let mut open = self.show_settings;
        egui::Window::new("Settings")
            .open(&mut open)
            .resizable(false)
            .show(ctx, |ui| {
                egui::Grid::new("settings").num_columns(2).show(ui, |ui| {
                    let label = ui.label("Uploads at the same time");
                    let changed = ui
                        .add(egui::DragValue::new(&mut self.settings.parallel_uploads).range(1..=8))
                        .labelled_by(label.id)
                        .changed();
                    ui.end_row();
                    let label = ui.label("Chunk size (MiB, 0 = one stream)");
                    ui.add(egui::DragValue::new(&mut self.settings.chunk_size_mib).range(0..=1024))
                        .labelled_by(label.id)
                        .on_hover_text("Chunks suit unstable links: at most one chunk is ever sent twice. Applies to files added from now on.");
                    ui.end_row();
                    let label = ui.label("Bandwidth limit (MiB/s, 0 = none)");
                    let limit_changed = ui
                        .add(
                            egui::DragValue::new(&mut self.settings.bandwidth_limit_mib_per_sec)
                                .range(0..=10_000),
                        )
                        .labelled_by(label.id)
                        .changed();
                    ui.end_row();
                    if changed || limit_changed {
                        actions.push(UiAction::ApplyLimits);
                    }
                });
                ui.checkbox(
                    &mut self.settings.auto_resume,
                    "Continue unfinished uploads when Hoist starts",
                );
                ui.checkbox(
                    &mut self.settings.notifications,
                    "Notify me when an upload finishes or fails",
                );
            });
        self.show_settings = open;
    }
}
