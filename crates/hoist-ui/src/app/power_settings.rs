//! Settings › "Keep the computer awake while uploading" and "Pause on metered connections",
//! each with the line saying when the system does not allow it.

use super::*;
use crate::power::{
    CANNOT_KEEP_AWAKE, CANNOT_SEE_METERED, KEEP_AWAKE_LABEL, PAUSE_ON_METERED_LABEL,
    PAUSE_ON_METERED_NOTE,
};

impl HoistApp {
    /// The two options; a change goes to the engine at once.
    pub(super) fn power_settings(&mut self, ui: &mut Ui, actions: &mut Vec<UiAction>) {
        let status = self.model.power;
        if ui
            .checkbox(&mut self.settings.keep_awake, KEEP_AWAKE_LABEL)
            .changed()
        {
            let on = self.settings.keep_awake;
            actions.push(UiAction::Engine(Command::SetKeepAwake(on)));
        }
        if self.settings.keep_awake && status.cannot_keep_awake {
            warning_line(ui, CANNOT_KEEP_AWAKE);
        }
        if ui
            .checkbox(&mut self.settings.pause_on_metered, PAUSE_ON_METERED_LABEL)
            .changed()
        {
            let on = self.settings.pause_on_metered;
            actions.push(UiAction::Engine(Command::SetPauseOnMetered(on)));
        }
        if self.settings.pause_on_metered && status.cannot_see_metered {
            warning_line(ui, CANNOT_SEE_METERED);
        } else {
            ui.label(RichText::new(PAUSE_ON_METERED_NOTE).weak());
        }
    }
}

/// A line in the warning colour, at normal size.
fn warning_line(ui: &mut Ui, words: &str) {
    ui.label(RichText::new(words).color(crate::profiles::tone_color(
        ui,
        crate::profiles::Tone::Warning,
    )));
}
