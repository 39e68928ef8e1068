//! Thumbnails of image files, decoded off the UI thread (two at a time) and only for rows in view.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use egui::{ColorImage, TextureHandle, TextureOptions};
use poll_promise::Promise;

use super::background::background;
use hoist_core::upload::UploadId;

/// Edge of a thumbnail, in pixels.
pub const THUMBNAIL_PIXELS: u32 = 44;
/// Images larger than this are not decoded for a thumbnail.
const MAX_DECODE_BYTES: u64 = 64 * 1024 * 1024;
/// Decodes running at once.
const PARALLEL_DECODES: usize = 2;

/// The thumbnails known so far.
#[derive(Default)]
pub struct Thumbnails {
    ready: HashMap<UploadId, TextureHandle>,
    pending: HashMap<UploadId, Promise<Option<ColorImage>>>,
    failed: HashSet<UploadId>,
    wanted: Vec<(UploadId, PathBuf)>,
}

impl Thumbnails {
    /// The thumbnail of a row being drawn, or `None` (then it is asked for).
    pub fn get(&mut self, id: UploadId, path: &std::path::Path) -> Option<&TextureHandle> {
        if !self.ready.contains_key(&id)
            && !self.pending.contains_key(&id)
            && !self.failed.contains(&id)
            && !self.wanted.iter().any(|(w, _)| *w == id)
        {
            self.wanted.push((id, path.to_path_buf()));
        }
        self.ready.get(&id)
    }

    /// Collects finished decodes and starts new ones for rows that were in view.
    pub fn update(&mut self, ctx: &egui::Context) {
        let mut finished = Vec::new();
        for (id, promise) in &self.pending {
            if let Some(result) = promise.ready() {
                finished.push((*id, result.clone()));
            }
        }
        for (id, image) in finished {
            self.pending.remove(&id);
            match image {
                Some(image) => {
                    let texture =
                        ctx.load_texture(format!("thumbnail-{id}"), image, TextureOptions::LINEAR);
                    self.ready.insert(id, texture);
                }
                None => {
                    self.failed.insert(id);
                }
            }
        }
        let wanted = std::mem::take(&mut self.wanted);
        for (id, path) in wanted {
            if self.pending.len() >= PARALLEL_DECODES {
                break;
            }
            self.pending
                .insert(id, background(ctx, move || decode(&path)));
        }
    }
}

fn decode(path: &std::path::Path) -> Option<ColorImage> {
    let size = std::fs::metadata(path).ok()?.len();
    if size > MAX_DECODE_BYTES {
        return None;
    }
    let image = image::ImageReader::open(path)
        .ok()?
        .with_guessed_format()
        .ok()?
        .decode()
        .ok()?
        .thumbnail(THUMBNAIL_PIXELS, THUMBNAIL_PIXELS)
        .to_rgba8();
    let (w, h) = image.dimensions();
    Some(ColorImage::from_rgba_unmultiplied(
        [w as usize, h as usize],
        image.as_raw(),
    ))
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn decodes_small_thumbnails_and_refuses_garbage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let png = dir.path().join("a.png");
        image::RgbaImage::from_pixel(300, 200, image::Rgba([200, 10, 10, 255]))
            .save(&png)
            .expect("save png");
        let thumb = decode(&png).expect("thumbnail");
        assert!(
            thumb.size[0] <= THUMBNAIL_PIXELS as usize
                && thumb.size[1] <= THUMBNAIL_PIXELS as usize
        );
        let junk = dir.path().join("b.jpg");
        std::fs::write(&junk, b"not an image").expect("write");
        assert!(decode(&junk).is_none());
    }
}
