//! Photos made fit to publish (公開用の写真). A phone's photo carries where
//! it was taken (GPS), when, the device's serial and sometimes the owner's
//! name (XMP, IPTC, comments), and an embedded thumbnail that may show the
//! picture before it was cropped. A published copy keeps only what draws the
//! picture, its colour profile and which way up it is.

use img_parts::jpeg::{Jpeg, markers};
use img_parts::png::Png;
use img_parts::{Bytes, ImageEXIF};

/// The photo kinds a page may publish: what every browser shows. HEIC and
/// WebP stay attachments (HEIC shows in few browsers).
pub const PUBLISHABLE: [&str; 2] = ["image/jpeg", "image/png"];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("公開できる写真は JPEG と PNG です")]
    Unsupported,
    #[error("写真のファイルが壊れているため公開できません")]
    Corrupt,
}

/// A copy of the photo without its metadata.
pub fn publishable_copy(content_type: &str, bytes: &[u8]) -> Result<Vec<u8>, ImageError> {
    let bytes = Bytes::copy_from_slice(bytes);
    match content_type {
        "image/jpeg" => jpeg(bytes),
        "image/png" => png(bytes),
        _ => Err(ImageError::Unsupported),
    }
}

fn jpeg(bytes: Bytes) -> Result<Vec<u8>, ImageError> {
    let mut image = Jpeg::from_bytes(bytes).map_err(|_| ImageError::Corrupt)?;
    let orientation = image.exif().and_then(|exif| orientation(&exif));
    // APP0 holds JFIF's density (JFXX may hold a thumbnail), APP2 the colour
    // profile or the multi-picture index (MPF); APP1 and APP3–15 are EXIF,
    // XMP, IPTC and vendors' notes; COM is free text.
    image.segments_mut().retain(|s| match s.marker() {
        markers::APP0 => s.contents().starts_with(b"JFIF\0"),
        markers::APP2 => s.contents().starts_with(b"ICC_PROFILE\0"),
        markers::APP1 | markers::APP3..=markers::APP15 | markers::COM => false,
        _ => true,
    });
    if let Some(o) = orientation.filter(|o| *o != 1) {
        image.set_exif(Some(Bytes::from(orientation_only(o).to_vec())));
    }
    // The scan runs to the file's end as parsed; a phone appends depth
    // maps, gain maps or a second picture, with their own metadata, after
    // the image's end: cut there.
    let mut out = image.encoder().bytes().to_vec();
    if let Some(end) = out.get(2..).and_then(image_end) {
        out.truncate(2 + end);
    }
    Ok(out)
}

/// Where the image ends in what follows its SOI: just past its EOI marker,
/// stepping over segments by their length, and over stuffed bytes and
/// restart markers in the scans.
fn image_end(rest: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 1 < rest.len() {
        if rest[i] != markers::P {
            i += 1;
            continue;
        }
        match rest[i + 1] {
            markers::P => i += 1,
            markers::Z | markers::RST0..=markers::RST7 => i += 2,
            markers::EOI => return Some(i + 2),
            _ => {
                let length = u16::from_be_bytes([*rest.get(i + 2)?, *rest.get(i + 3)?]);
                i += 2 + usize::from(length);
            }
        }
    }
    None
}

fn png(bytes: Bytes) -> Result<Vec<u8>, ImageError> {
    let mut image = Png::from_bytes(bytes).map_err(|_| ImageError::Corrupt)?;
    // What draws the picture and its colour; not tEXt/iTXt/zTXt (free
    // text), eXIf or tIME.
    const KEPT: [&[u8; 4]; 14] = [
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"pHYs", b"acTL",
        b"fcTL", b"fdAT",
    ];
    image.chunks_mut().retain(|c| KEPT.contains(&&c.kind()));
    Ok(image.encoder().bytes().to_vec())
}

/// The EXIF Orientation (1–8) of a TIFF-structured EXIF block, if it has one.
fn orientation(exif: &[u8]) -> Option<u16> {
    let big = match exif.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = exif.get(at..at + 2)?.try_into().ok()?;
        Some(if big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = exif.get(at..at + 4)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    (0..count).find_map(|i| {
        let entry = ifd + 2 + i * 12;
        // Tag 0x0112 (Orientation), type SHORT, one value, kept in place.
        (u16_at(entry)? == 0x0112 && u16_at(entry + 2)? == 3)
            .then(|| u16_at(entry + 8))
            .flatten()
            .filter(|o| (1..=8).contains(o))
    })
}

/// An EXIF block holding only the Orientation tag (big-endian TIFF, one IFD).
fn orientation_only(o: u16) -> [u8; 26] {
    let [hi, lo] = o.to_be_bytes();
    [
        b'M', b'M', 0, 42, 0, 0, 0, 8, // header, IFD0 at 8
        0, 1, // one entry
        0x01, 0x12, 0, 3, 0, 0, 0, 1, hi, lo, 0, 0, // Orientation, SHORT, 1
        0, 0, 0, 0, // no next IFD
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use img_parts::jpeg::JpegSegment;

    /// A JPEG as a phone writes one: EXIF with a GPS note and Orientation 6,
    /// XMP naming its owner, a comment, the picture, and an appended image.
    fn phone_jpeg() -> Vec<u8> {
        let mut exif = orientation_only(6).to_vec();
        exif.extend_from_slice(b"GPS 32.98N 130.43E serial K-1234");
        let mut xmp = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
        xmp.extend_from_slice("<dc:creator>山田太郎</dc:creator>".as_bytes());
        let mut icc = b"ICC_PROFILE\0".to_vec();
        icc.extend_from_slice(b"\x01\x01colour");
        let mut out = vec![0xFF, 0xD8];
        for (marker, body) in [
            (markers::APP0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0".to_vec()),
            (markers::APP1, [b"Exif\0\0".as_slice(), &exif].concat()),
            (markers::APP1, xmp),
            (markers::APP2, icc),
            (markers::COM, "自宅前で撮影".as_bytes().to_vec()),
            (markers::DQT, vec![0; 65]),
        ] {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(&u16::try_from(body.len() + 2).unwrap().to_be_bytes());
            out.extend_from_slice(&body);
        }
        // The scan: a stuffed 0xFF before a D9 and a restart marker are not its end.
        out.extend_from_slice(&[
            0xFF,
            markers::SOS,
            0,
            3,
            0,
            0xAB,
            0xFF,
            0,
            0xD9,
            0xFF,
            0xD0,
            0xEF,
            0xFF,
            0xD9,
        ]);
        out.extend_from_slice(b"\xFF\xD8appended depth map with GPS\xFF\xD9");
        out
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_published_jpeg_keeps_the_picture_colour_and_orientation_only() {
        let copy = publishable_copy("image/jpeg", &phone_jpeg()).unwrap();
        for secret in [
            b"GPS".as_slice(),
            b"K-1234",
            "山田太郎".as_bytes(),
            "自宅前".as_bytes(),
            b"depth map",
        ] {
            assert!(!contains(&copy, secret), "{}", String::from_utf8_lossy(secret));
        }
        let image = Jpeg::from_bytes(Bytes::from(copy.clone())).unwrap();
        assert_eq!(image.exif().and_then(|e| orientation(&e)), Some(6), "still upright");
        assert!(contains(&copy, b"ICC_PROFILE\0") && contains(&copy, b"JFIF\0"));
        assert!(
            contains(&copy, &[0xAB, 0xFF, 0, 0xD9, 0xFF, 0xD0, 0xEF, 0xFF, 0xD9]),
            "the whole scan"
        );
        assert!(copy.ends_with(&[0xFF, 0xD9]));
    }

    #[test]
    fn an_upright_jpeg_carries_no_exif_at_all() {
        let mut image = Jpeg::from_bytes(Bytes::from(phone_jpeg())).unwrap();
        image.set_exif(Some(Bytes::from(orientation_only(1).to_vec())));
        let copy = publishable_copy("image/jpeg", &image.encoder().bytes()).unwrap();
        let copy = Jpeg::from_bytes(Bytes::from(copy)).unwrap();
        assert!(copy.exif().is_none());
        assert!(
            copy.segments()
                .iter()
                .all(|s: &JpegSegment| s.marker() != markers::APP1)
        );
    }

    #[test]
    fn orientation_reads_both_byte_orders_and_ignores_nonsense() {
        assert_eq!(orientation(&orientation_only(8)), Some(8));
        let little = [
            b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,
        ];
        assert_eq!(orientation(&little), Some(3));
        assert_eq!(orientation(&orientation_only(9)), None);
        assert_eq!(orientation(b"MM\0*\xff\xff\xff\xff"), None, "an IFD past the end");
        assert_eq!(orientation(b""), None);
    }

    #[test]
    fn a_png_loses_its_text_chunks() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        for (kind, body) in [
            (*b"IHDR", vec![0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]),
            (*b"tEXt", "Author\0山田太郎".as_bytes().to_vec()),
            (*b"eXIf", b"MM\0*GPS".to_vec()),
            (*b"IDAT", vec![0x78, 0x9C, 1, 2, 3]),
            (*b"IEND", vec![]),
        ] {
            png.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes());
            png.extend_from_slice(&kind);
            png.extend_from_slice(&body);
            let crc = crc([kind.as_slice(), &body].concat().as_slice());
            png.extend_from_slice(&crc.to_be_bytes());
        }
        let copy = publishable_copy("image/png", &png).unwrap();
        assert!(!contains(&copy, "山田".as_bytes()) && !contains(&copy, b"GPS"));
        assert!(contains(&copy, b"IDAT") && contains(&copy, b"IEND"));
    }

    /// PNG's CRC-32, for building the test image.
    fn crc(bytes: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for b in bytes {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
        !c
    }

    #[test]
    fn other_kinds_and_broken_files_are_refused() {
        assert_eq!(publishable_copy("image/heic", b"...."), Err(ImageError::Unsupported));
        assert_eq!(publishable_copy("image/jpeg", b"not a jpeg"), Err(ImageError::Corrupt));
        assert_eq!(
            publishable_copy("image/png", b"\x89PNG\r\n\x1a\n\0\0"),
            Err(ImageError::Corrupt)
        );
    }
}
