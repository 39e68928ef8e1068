//! The services the editor offers by the names people know, each mapped to a profile kind,
//! with its badge and one line of what it needs.

use egui::{Color32, Ui};
use hoist_core::profile::ProfileKind;

/// A service as the editor's picker offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceChoice {
    /// YouTube (`youtube` profiles).
    YouTube,
    /// Google Drive (`drive`).
    Drive,
    /// Google Cloud Storage (`cloud-storage`).
    CloudStorage,
    /// api.video (`api-video`).
    ApiVideo,
    /// Twelve Labs (`multipart`, presigned multipart uploads).
    TwelveLabs,
    /// A tus server of one's own (`tus`).
    Tus,
    /// Any server speaking Google's resumable protocol (`google-resumable`).
    GoogleStyle,
}

impl ServiceChoice {
    /// Every service, in the order the picker shows them.
    pub const ALL: [ServiceChoice; 7] = [
        ServiceChoice::YouTube,
        ServiceChoice::Drive,
        ServiceChoice::CloudStorage,
        ServiceChoice::ApiVideo,
        ServiceChoice::TwelveLabs,
        ServiceChoice::Tus,
        ServiceChoice::GoogleStyle,
    ];

    /// The service a saved profile of `kind` belongs to.
    pub fn from_kind(kind: ProfileKind) -> ServiceChoice {
        match kind {
            ProfileKind::YouTube => ServiceChoice::YouTube,
            ProfileKind::Drive => ServiceChoice::Drive,
            ProfileKind::CloudStorage => ServiceChoice::CloudStorage,
            ProfileKind::ApiVideo => ServiceChoice::ApiVideo,
            ProfileKind::Multipart => ServiceChoice::TwelveLabs,
            ProfileKind::Tus => ServiceChoice::Tus,
            ProfileKind::GoogleResumable => ServiceChoice::GoogleStyle,
        }
    }

    /// The profile kind it is saved as.
    pub fn kind(self) -> ProfileKind {
        match self {
            ServiceChoice::YouTube => ProfileKind::YouTube,
            ServiceChoice::Drive => ProfileKind::Drive,
            ServiceChoice::CloudStorage => ProfileKind::CloudStorage,
            ServiceChoice::ApiVideo => ProfileKind::ApiVideo,
            ServiceChoice::TwelveLabs => ProfileKind::Multipart,
            ServiceChoice::Tus => ProfileKind::Tus,
            ServiceChoice::GoogleStyle => ProfileKind::GoogleResumable,
        }
    }

    /// Its name, as people know it.
    pub fn name(self) -> &'static str {
        match self {
            ServiceChoice::YouTube => "YouTube",
            ServiceChoice::Drive => "Google Drive",
            ServiceChoice::CloudStorage => "Google Cloud Storage",
            ServiceChoice::ApiVideo => "api.video",
            ServiceChoice::TwelveLabs => "Twelve Labs",
            ServiceChoice::Tus => "Your own server (tus)",
            ServiceChoice::GoogleStyle => "Other server (Google-style resumable)",
        }
    }

    /// One line of what connecting it needs.
    pub fn needs(self) -> &'static str {
        match self {
            ServiceChoice::YouTube => "Sign in with Google, or paste an access token.",
            ServiceChoice::Drive => "Sign in with Google or an access token; a folder if you like.",
            ServiceChoice::CloudStorage => "A bucket name, and a Google sign-in or access token.",
            ServiceChoice::ApiVideo => "Your API key from the api.video dashboard.",
            ServiceChoice::TwelveLabs => "Your API key from the Twelve Labs dashboard.",
            ServiceChoice::Tus => "Your server's upload address, and a token if it asks for one.",
            ServiceChoice::GoogleStyle => "The upload address, and a token if it asks for one.",
        }
    }

    /// Where its key or token comes from (the secret field's hint).
    pub fn key_source(self) -> &'static str {
        match self {
            ServiceChoice::ApiVideo => "from your api.video dashboard",
            ServiceChoice::TwelveLabs => "from your Twelve Labs dashboard",
            ServiceChoice::YouTube | ServiceChoice::Drive | ServiceChoice::CloudStorage => {
                "a Google access token"
            }
            ServiceChoice::Tus | ServiceChoice::GoogleStyle => "only if your server asks for one",
        }
    }

    /// What to do when it refused the key or token.
    pub fn refused_fix(self) -> &'static str {
        match self {
            ServiceChoice::ApiVideo => "copy it again from your api.video dashboard",
            ServiceChoice::TwelveLabs => "copy it again from your Twelve Labs dashboard",
            ServiceChoice::YouTube | ServiceChoice::Drive | ServiceChoice::CloudStorage => {
                "sign in again, or paste a fresh access token"
            }
            ServiceChoice::Tus | ServiceChoice::GoogleStyle => {
                "check it with whoever runs the server"
            }
        }
    }

    /// Whether it needs an upload address typed in (no address of its own).
    pub fn needs_address(self) -> bool {
        matches!(self, ServiceChoice::Tus | ServiceChoice::GoogleStyle)
    }

    /// Whether a key or token is optional (a server of one's own may need none).
    pub fn secret_optional(self) -> bool {
        self.needs_address()
    }

    /// The badge's letters and colour.
    fn badge(self) -> (&'static str, Color32) {
        match self {
            ServiceChoice::YouTube => ("YT", Color32::from_rgb(0xC4, 0x00, 0x00)),
            ServiceChoice::Drive => ("D", Color32::from_rgb(0x18, 0x80, 0x38)),
            ServiceChoice::CloudStorage => ("CS", Color32::from_rgb(0x1A, 0x5F, 0xC8)),
            ServiceChoice::ApiVideo => ("av", Color32::from_rgb(0xC2, 0x41, 0x0C)),
            ServiceChoice::TwelveLabs => ("12", Color32::from_rgb(0x2F, 0x6B, 0x1F)),
            ServiceChoice::Tus => ("tus", Color32::from_rgb(0x0B, 0x6E, 0x77)),
            ServiceChoice::GoogleStyle => ("G", Color32::from_rgb(0x55, 0x55, 0x66)),
        }
    }

    /// Draws its badge: white letters on the service's colour (contrast above 4.5:1).
    pub fn draw_badge(self, ui: &mut Ui, size: f32) {
        let (letters, fill) = self.badge();
        let (rect, _) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, size * 0.22, fill);
        let font = egui::FontId::proportional(if letters.len() > 2 {
            size * 0.36
        } else {
            size * 0.46
        });
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            letters,
            font,
            Color32::WHITE,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_service_and_back() {
        for service in ServiceChoice::ALL {
            assert_eq!(ServiceChoice::from_kind(service.kind()), service);
        }
        assert_eq!(
            ServiceChoice::from_kind(ProfileKind::Multipart).name(),
            "Twelve Labs"
        );
    }
}
