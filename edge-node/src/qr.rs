//! Offers and completed acts as QR codes, for a handoff where there is no network: one device
//! shows the code, the other takes a photo of it.
//!
//! The text in the code is `tamga:<what>:` followed by the zstd-compressed canonical bytes in
//! unpadded base64url. `<what>` is `offer` or `act`. Decoding is bounded: the text, the
//! compressed and the decompressed bytes, and the photo's pixels.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use qrcode::{EcLevel, QrCode};
use tamga_core::MAX_ACT_BYTES;

/// What a QR code carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carried {
    /// A custody offer, signed by the releasing officer.
    Offer,
    /// A complete signed act (a countersigned handoff going back to the releasing side).
    Act,
}

impl Carried {
    fn word(self) -> &'static str {
        match self {
            Carried::Offer => "offer",
            Carried::Act => "act",
        }
    }
}

/// The longest text accepted from a code or a form.
pub const MAX_TEXT: usize = 16 * 1024;
/// The largest photo accepted, in pixels.
pub const MAX_PIXELS: u64 = 40_000_000;

/// Why a code could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// Too much for one code.
    #[error("{0} bytes do not fit in one QR code: hand over by file or over the LAN")]
    TooLarge(usize),
    /// Not a tamga code.
    #[error(
        "this is not a tamga code (it should start with \"tamga:offer:\" or \"tamga:act:\"): {0}"
    )]
    NotOurs(String),
    /// The content is damaged.
    #[error("the code's content is damaged ({0}): take the photo again")]
    Damaged(String),
    /// The photo could not be read.
    #[error("no readable QR code in the photo ({0}): hold the camera steady, fill the frame with the code, and try again")]
    Unreadable(String),
}

/// The text of a code carrying `bytes`.
pub fn to_text(what: Carried, bytes: &[u8]) -> String {
    let packed = zstd::bulk::compress(bytes, 19).expect("compressing into memory does not fail");
    format!("tamga:{}:{}", what.word(), URL_SAFE_NO_PAD.encode(packed))
}

/// The bytes a code's text carries, with what they are.
pub fn from_text(text: &str) -> Result<(Carried, Vec<u8>), QrError> {
    let text = text.trim();
    if text.len() > MAX_TEXT {
        return Err(QrError::Damaged(format!("{} characters", text.len())));
    }
    let (what, rest) = if let Some(rest) = text.strip_prefix("tamga:offer:") {
        (Carried::Offer, rest)
    } else if let Some(rest) = text.strip_prefix("tamga:act:") {
        (Carried::Act, rest)
    } else {
        let shown: String = text.chars().take(40).collect();
        return Err(QrError::NotOurs(shown));
    };
    let packed = URL_SAFE_NO_PAD
        .decode(rest)
        .map_err(|e| QrError::Damaged(e.to_string()))?;
    let bytes = zstd::bulk::decompress(&packed, MAX_ACT_BYTES)
        .map_err(|e| QrError::Damaged(e.to_string()))?;
    Ok((what, bytes))
}

fn code(text: &str) -> Result<QrCode, QrError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|_| QrError::TooLarge(text.len()))
}

/// The code's modules, for drawing it elsewhere (a paper act): its width in modules and,
/// row by row from the top left, whether each module is dark.
pub fn modules(text: &str) -> Result<(usize, Vec<bool>), QrError> {
    let code = code(text)?;
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok((code.width(), dark))
}

/// The code as an SVG picture, for the screen.
pub fn svg(text: &str) -> Result<String, QrError> {
    Ok(code(text)?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(320, 320)
        .quiet_zone(true)
        .build())
}

/// The code as a PNG picture, for printing or a file.
pub fn png(text: &str) -> Result<Vec<u8>, QrError> {
    let code = code(text)?;
    let modules = code.width();
    let scale = 6usize;
    let quiet = 4usize;
    let side = (modules + 2 * quiet) * scale;
    let colors = code.to_colors();
    let image = image::GrayImage::from_fn(side as u32, side as u32, |x, y| {
        let (mx, my) = (x as usize / scale, y as usize / scale);
        let dark = mx >= quiet
            && my >= quiet
            && mx < quiet + modules
            && my < quiet + modules
            && colors[(my - quiet) * modules + (mx - quiet)] == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encoding a PNG into memory does not fail");
    Ok(out.into_inner())
}

/// The text of the first QR code found in a photo (PNG or JPEG).
pub fn read_photo(bytes: &[u8]) -> Result<String, QrError> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| QrError::Unreadable(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| QrError::Unreadable(e.to_string()))?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(QrError::Unreadable(format!(
            "{w}×{h} pixels is more than a phone photo"
        )));
    }
    let image = image::load_from_memory(bytes)
        .map_err(|e| QrError::Unreadable(e.to_string()))?
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        image.width() as usize,
        image.height() as usize,
        |x, y| image.get_pixel(x as u32, y as u32)[0],
    );
    let grids = prepared.detect_grids();
    let mut last = "no code found".to_owned();
    for grid in grids {
        match grid.decode() {
            Ok((_, text)) => return Ok(text),
            Err(e) => last = e.to_string(),
        }
    }
    Err(QrError::Unreadable(last))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::fixtures::Story;

    #[test]
    fn an_offer_goes_through_a_picture_and_back() {
        let story = Story::new();
        let act = story.clean_delivery()[3].encode();
        let text = to_text(Carried::Act, &act);
        assert!(
            text.len() < 1500,
            "a handoff fits in a code: {}",
            text.len()
        );
        let picture = png(&text).unwrap();
        let read = read_photo(&picture).unwrap();
        assert_eq!(read, text);
        assert_eq!(from_text(&read).unwrap(), (Carried::Act, act));
        assert!(svg(&text).unwrap().starts_with("<?xml"));
    }

    #[test]
    fn bad_codes_and_photos_are_refused_with_a_reason() {
        assert!(matches!(
            from_text("https://example.org"),
            Err(QrError::NotOurs(_))
        ));
        assert!(matches!(
            from_text("tamga:offer:!!!"),
            Err(QrError::Damaged(_))
        ));
        // A zstd bomb: decompresses beyond the act size limit.
        let bomb = zstd::bulk::compress(&vec![b'a'; MAX_ACT_BYTES + 10], 3).unwrap();
        let text = format!("tamga:act:{}", URL_SAFE_NO_PAD.encode(bomb));
        assert!(matches!(from_text(&text), Err(QrError::Damaged(_))));
        assert!(matches!(
            read_photo(b"not a picture"),
            Err(QrError::Unreadable(_))
        ));
        let blank = {
            let img = image::GrayImage::from_pixel(64, 64, image::Luma([255]));
            let mut out = std::io::Cursor::new(Vec::new());
            img.write_to(&mut out, image::ImageFormat::Png).unwrap();
            out.into_inner()
        };
        assert!(matches!(read_photo(&blank), Err(QrError::Unreadable(_))));
        assert!(matches!(png(&"x".repeat(5000)), Err(QrError::TooLarge(_))));
    }
}
