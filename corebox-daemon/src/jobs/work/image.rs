//! Image jobs: thumbnails, resizing and compression of JPEG, PNG and WebP.
//!
//! Decoding is bounded, so a decompression bomb fails its job instead of
//! the daemon: at most [`MAX_SIDE`] pixels a side and [`MAX_DECODED`]
//! bytes of pixels, from at most [`MAX_INPUT`] bytes of file. The EXIF
//! orientation is applied, and nothing else of the input's metadata
//! survives: outputs are encoded from pixels alone, so EXIF (GPS among
//! it), XMP and ICC profiles are gone. Resizing is `fast_image_resize`
//! (Lanczos3), many times faster than the `image` crate's own. WebP is
//! written lossless (the `image` crate has no lossy encoder), so a quality
//! applies to JPEG only. All of it runs on the CPU pool ([`super::cpu`]).

use std::borrow::Cow;
use std::io::Cursor;

use corebox_proto::types::{Fit, ImageFormat, JobOutcome, JobRequest};
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageError, ImageReader, Limits};

use super::outputs::NewFile;
use super::{Done, Failure, Progress, commit_file, cpu};
use crate::auth::Actor;
use crate::files::store as files_store;
use crate::jobs::Jobs;
use crate::storage::BlobId;
use crate::units::Size;

/// Largest input file, in bytes.
pub const MAX_INPUT: u64 = 256 << 20;

/// Largest width or height decoded, in pixels.
pub const MAX_SIDE: u32 = 20_000;

/// Most memory decoded pixels may take, in bytes.
pub const MAX_DECODED: u64 = 512 << 20;

/// JPEG quality of thumbnails.
const THUMBNAIL_QUALITY: u8 = 80;

/// JPEG quality of resized copies when none is asked for.
const RESIZE_QUALITY: u8 = 85;

/// JPEG quality of compressed copies when none is asked for.
const COMPRESS_QUALITY: u8 = 75;

/// Whether the image jobs can read content of `media_type`.
pub fn is_decodable(media_type: &str) -> bool {
    matches!(media_type, "image/jpeg" | "image/png" | "image/webp")
}

/// The format of content of `media_type`, when the jobs write it too.
fn format_of(media_type: &str) -> Option<ImageFormat> {
    match media_type {
        "image/jpeg" => Some(ImageFormat::Jpeg),
        "image/png" => Some(ImageFormat::Png),
        "image/webp" => Some(ImageFormat::Webp),
        _ => None,
    }
}

fn extension(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Jpeg => "jpg",
        ImageFormat::Png => "png",
        ImageFormat::Webp => "webp",
    }
}

/// `name` without its extension.
fn stem(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    }
}

/// A file name of at most 255 bytes: `stem` cut to fit, then `suffix`.
pub(super) fn output_name(name: &str, suffix: &str) -> String {
    let mut stem = stem(name).to_owned();
    let room = crate::files::MAX_NAME_BYTES.saturating_sub(suffix.len());
    if stem.len() > room {
        let mut end = room;
        while !stem.is_char_boundary(end) {
            end -= 1;
        }
        stem.truncate(end);
    }
    format!("{stem}{suffix}")
}

fn decode_error(error: ImageError) -> Failure {
    match error {
        ImageError::Limits(_) => Failure::Permanent(format!(
            "the image is too large to process: more than {MAX_SIDE} pixels a side or \
             {} MiB of pixels",
            MAX_DECODED >> 20
        )),
        ImageError::Unsupported(_) => Failure::Permanent(
            "not an image the daemon can read: JPEG, PNG and WebP are".to_owned(),
        ),
        ImageError::IoError(error) => {
            Failure::Permanent(format!("the image is cut short: {error}"))
        }
        other => Failure::Permanent(format!("the image is damaged: {other}")),
    }
}

/// Decodes `bytes` within the limits and turns it upright.
///
/// # Errors
///
/// [`Failure::Permanent`]: not an image, damaged, truncated, too large.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, Failure> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| Failure::Permanent(format!("cannot read the image: {error}")))?;
    match reader.format() {
        Some(image::ImageFormat::Jpeg | image::ImageFormat::Png | image::ImageFormat::WebP) => {}
        _ => {
            return Err(Failure::Permanent(
                "not an image the daemon can read: JPEG, PNG and WebP are".to_owned(),
            ));
        }
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODED);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(Failure::Permanent("the image has no pixels".to_owned()));
    }
    // `from_decoder` does not hold the decoder to `max_alloc` (the JPEG
    // decoder checks only the sides), so the pixels' size is checked here.
    if decoder.total_bytes() > MAX_DECODED {
        return Err(decode_error(ImageError::Limits(
            image::error::LimitError::from_kind(image::error::LimitErrorKind::InsufficientMemory),
        )));
    }
    let orientation = decoder.orientation().map_err(decode_error)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// The size of `image` fitted to `width` × `height` (either may be
/// missing: then the other decides, keeping the aspect ratio).
///
/// # Errors
///
/// [`Failure::Permanent`] when keeping the aspect ratio would make a side
/// longer than [`super::MAX_DIMENSION`].
fn fitted(
    image: &DynamicImage,
    width: Option<u32>,
    height: Option<u32>,
    fit: Fit,
) -> Result<(u32, u32), Failure> {
    let (w, h) = (f64::from(image.width()), f64::from(image.height()));
    let scale = match (width, height) {
        (Some(width), Some(height)) => {
            let (x, y) = (f64::from(width) / w, f64::from(height) / h);
            match fit {
                Fit::Exact | Fit::Cover => return Ok((width, height)),
                Fit::Contain => x.min(y),
            }
        }
        (Some(width), None) => f64::from(width) / w,
        (None, Some(height)) => f64::from(height) / h,
        (None, None) => 1.0,
    };
    let side = |length: f64| (length * scale).round().max(1.0);
    let (width, height) = (side(w), side(h));
    let max = super::MAX_DIMENSION;
    if width > f64::from(max) || height > f64::from(max) {
        return Err(Failure::Permanent(format!(
            "keeping its shape, that would make the image {width}×{height} pixels, more than \
             {max} a side: ask for a smaller size"
        )));
    }
    // Within 1..=MAX_DIMENSION, so the casts are exact.
    Ok((width as u32, height as u32))
}

/// `image` resized to `width` × `height`: stretched for [`Fit::Exact`],
/// the middle cropped to the box's shape first for [`Fit::Cover`].
///
/// # Errors
///
/// [`Failure::Permanent`] for a pixel layout the resizer does not take.
pub fn resize(
    image: &DynamicImage,
    width: u32,
    height: u32,
    fit: Fit,
) -> Result<Cow<'_, DynamicImage>, Failure> {
    if (image.width(), image.height()) == (width, height) {
        return Ok(Cow::Borrowed(image));
    }
    let needed = u64::from(width) * u64::from(height) * u64::from(image.color().bytes_per_pixel());
    if needed > MAX_DECODED {
        return Err(Failure::Permanent(format!(
            "a {width}×{height} result would take {} of pixels, more than the {} a job may: \
             ask for a smaller size",
            Size(needed),
            Size(MAX_DECODED)
        )));
    }
    // The resizer takes 8- and 16-bit layouts as they are (no copy of the
    // decoded pixels); others go to RGBA first.
    let source = match image {
        DynamicImage::ImageLuma8(_)
        | DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageRgb8(_)
        | DynamicImage::ImageRgba8(_)
        | DynamicImage::ImageLuma16(_)
        | DynamicImage::ImageLumaA16(_)
        | DynamicImage::ImageRgb16(_)
        | DynamicImage::ImageRgba16(_) => Cow::Borrowed(image),
        other => Cow::Owned(DynamicImage::ImageRgba8(other.to_rgba8())),
    };
    let mut target = DynamicImage::new(width, height, source.color());
    let mut options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    if fit == Fit::Cover {
        options = options.fit_into_destination(Some((0.5, 0.5)));
    }
    Resizer::new()
        .resize(source.as_ref(), &mut target, &options)
        .map_err(|error| Failure::Permanent(format!("cannot resize this image: {error}")))?;
    Ok(Cow::Owned(target))
}

/// `rgba` laid over white.
fn on_white(rgba: &image::RgbaImage) -> image::RgbImage {
    image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let a = u16::from(a);
        // Within 0..=255 by construction: (c·a + 255·(255 − a)) / 255.
        let blend = |c: u8| ((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
        image::Rgb([blend(r), blend(g), blend(b)])
    })
}

/// `image` encoded as `format` (JPEG at `quality`).
///
/// # Errors
///
/// [`Failure::Permanent`] when the encoder refuses the image.
pub fn encode(image: &DynamicImage, format: ImageFormat, quality: u8) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::new();
    let refused =
        |error: ImageError| Failure::Permanent(format!("cannot encode the image: {error}"));
    match format {
        ImageFormat::Jpeg => {
            // JPEG has no alpha: what is transparent shows as white paper
            // would, not as the black its colour channels often hold.
            let rgb = if image.color().has_alpha() {
                on_white(&image.to_rgba8())
            } else {
                image.to_rgb8()
            };
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
                .write_image(
                    rgb.as_raw(),
                    rgb.width(),
                    rgb.height(),
                    image::ExtendedColorType::Rgb8,
                )
                .map_err(refused)?;
        }
        ImageFormat::Png => {
            image
                .write_with_encoder(image::codecs::png::PngEncoder::new(&mut out))
                .map_err(refused)?;
        }
        ImageFormat::Webp => {
            let rgba = image.to_rgba8();
            image::codecs::webp::WebPEncoder::new_lossless(&mut out)
                .write_image(
                    rgba.as_raw(),
                    rgba.width(),
                    rgba.height(),
                    image::ExtendedColorType::Rgba8,
                )
                .map_err(refused)?;
        }
    }
    Ok(out)
}

/// The file a job reads: it must still exist and be an image the jobs read.
async fn source(
    jobs: &Jobs,
    actor: &Actor,
    file_id: &str,
) -> Result<(files_store::FileRow, Vec<u8>), Failure> {
    let file = super::source_file(jobs, actor, file_id).await?;
    if !is_decodable(&file.media_type) {
        return Err(Failure::Permanent(format!(
            "{} is {}, not an image the daemon can read (JPEG, PNG and WebP are)",
            file.name, file.media_type
        )));
    }
    let blob = BlobId::parse(&file.sha256)
        .ok_or_else(|| Failure::Permanent("the file's content id is malformed".to_owned()))?;
    let bytes = jobs
        .inner
        .storage
        .read_all(&blob, MAX_INPUT)
        .await
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::FileTooLarge => Failure::Permanent(format!(
                "the image is larger than the {} MiB the daemon processes",
                MAX_INPUT >> 20
            )),
            _ => Failure::Retry(format!("cannot read the stored file: {error}")),
        })?;
    Ok((file, bytes))
}

/// Writes `bytes` into the store as a new file for `actor`.
async fn store(
    jobs: &Jobs,
    actor: &Actor,
    bytes: Vec<u8>,
    name: String,
    made_from: MadeFrom,
    mut outcome: JobOutcome,
) -> Result<Done, Failure> {
    let storage = &jobs.inner.storage;
    let mut output = storage
        .create_output()
        .await
        .map_err(|error| Failure::Retry(format!("cannot store the result: {error}")))?;
    let output = tokio::task::spawn_blocking(move || output.write(&bytes).map(|()| output))
        .await
        .map_err(|error| Failure::Retry(format!("cannot store the result: {error}")))?
        .map_err(|error| Failure::Retry(format!("cannot store the result: {error}")))?;
    let stored = storage
        .publish_output(output)
        .await
        .map_err(|error| Failure::Retry(format!("cannot store the result: {error}")))?;
    outcome.bytes_after = Some(stored.size);
    let (variant_of, source) = match made_from {
        MadeFrom::Variant(original) => (Some(original), None),
        MadeFrom::Copy(source) => (None, Some(source)),
    };
    let file = NewFile {
        name,
        variant_of,
        source,
        stored,
    };
    Ok(Done {
        outcome,
        commit: Some(commit_file(jobs, actor, file).await?),
    })
}

/// What a stored result was made from.
enum MadeFrom {
    /// A variant (thumbnail) of this original.
    Variant(String),
    /// A new file (resize, compress) from this one.
    Copy(String),
}

/// Writes `bytes` into the store as a variant (a thumbnail) of
/// `original`.
pub(super) async fn store_variant(
    jobs: &Jobs,
    actor: &Actor,
    bytes: Vec<u8>,
    name: String,
    original: String,
    outcome: JobOutcome,
) -> Result<Done, Failure> {
    store(
        jobs,
        actor,
        bytes,
        name,
        MadeFrom::Variant(original),
        outcome,
    )
    .await
}

/// A thumbnail of file `file_id`: a JPEG at most `thumbnail_size` pixels a
/// side (never larger than the original), kept as its variant.
pub async fn thumbnail(
    jobs: &Jobs,
    actor: &Actor,
    file_id: &str,
    progress: &Progress,
) -> Result<Done, Failure> {
    progress.report(0.05, "reading").await;
    let (file, bytes) = source(jobs, actor, file_id).await?;
    progress.report(0.2, "decoding").await;
    let size = jobs.inner.config.thumbnail_size;
    let jpeg = cpu(jobs, move || {
        let image = decode(&bytes)?;
        let (width, height) = if image.width().max(image.height()) <= size {
            (image.width(), image.height())
        } else {
            fitted(&image, Some(size), Some(size), Fit::Contain)?
        };
        let small = resize(&image, width, height, Fit::Contain)?;
        encode(&small, ImageFormat::Jpeg, THUMBNAIL_QUALITY)
    })
    .await?;
    progress.report(0.9, "storing").await;
    let name = output_name(&file.name, ".thumb.jpg");
    let outcome = JobOutcome {
        summary: format!("thumbnail of {} made", file.name),
        bytes_before: Some(file.size),
        ..JobOutcome::default()
    };
    store_variant(jobs, actor, jpeg, name, file.id, outcome).await
}

/// A resized or re-encoded copy, as a new file.
pub async fn convert(
    jobs: &Jobs,
    actor: &Actor,
    request: JobRequest,
    progress: &Progress,
) -> Result<Done, Failure> {
    let (file_id, size, fit, format, quality, compress) = match request {
        JobRequest::Resize {
            file_id,
            width,
            height,
            fit,
            format,
            quality,
        } => (
            file_id,
            Some((width, height)),
            fit,
            format,
            quality.unwrap_or(RESIZE_QUALITY),
            false,
        ),
        JobRequest::Compress {
            file_id,
            quality,
            format,
        } => (
            file_id,
            None,
            Fit::Contain,
            Some(format.unwrap_or(ImageFormat::Jpeg)),
            quality.unwrap_or(COMPRESS_QUALITY),
            true,
        ),
        _ => return Err(Failure::Permanent("not an image job".to_owned())),
    };
    progress.report(0.05, "reading").await;
    let (file, bytes) = source(jobs, actor, &file_id).await?;
    let format = format
        .or_else(|| format_of(&file.media_type))
        .unwrap_or(ImageFormat::Jpeg);
    progress.report(0.2, "decoding").await;
    let (encoded, width, height) = cpu(jobs, move || {
        let image = decode(&bytes)?;
        let (width, height) = match size {
            Some((width, height)) => fitted(&image, width, height, fit)?,
            None => (image.width(), image.height()),
        };
        let resized = resize(&image, width, height, fit)?;
        Ok((encode(&resized, format, quality)?, width, height))
    })
    .await?;
    progress.report(0.9, "storing").await;
    let ext = extension(format);
    let (name, summary) = if compress {
        let (before, after) = (file.size, encoded.len() as u64);
        if after >= before {
            // A "compressed" copy that is no smaller would only use quota.
            return Err(Failure::Permanent(format!(
                "no smaller: {} would become {}, so nothing was kept; try a lower --quality \
                 or another --format",
                Size(before),
                Size(after)
            )));
        }
        let saved = format!(
            "saved {} of {} ({:.0}%)",
            Size(before - after),
            Size(before),
            (before - after) as f64 * 100.0 / before.max(1) as f64
        );
        (
            output_name(&file.name, &format!("-compressed.{ext}")),
            saved,
        )
    } else {
        (
            output_name(&file.name, &format!("-{width}x{height}.{ext}")),
            format!("{} resized to {width}×{height}", file.name),
        )
    };
    let outcome = JobOutcome {
        summary,
        bytes_before: Some(file.size),
        ..JobOutcome::default()
    };
    store(jobs, actor, encoded, name, MadeFrom::Copy(file.id), outcome).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        encode(&DynamicImage::new_rgb8(width, height), ImageFormat::Png, 90).expect("png")
    }

    #[test]
    fn fits_keep_the_aspect_ratio_unless_exact() {
        let image = DynamicImage::new_rgb8(4000, 3000);
        let fit = |width, height, fit| fitted(&image, width, height, fit).expect("fits");
        assert_eq!(fit(Some(800), None, Fit::Contain), (800, 600));
        assert_eq!(fit(None, Some(300), Fit::Contain), (400, 300));
        assert_eq!(fit(Some(800), Some(800), Fit::Contain), (800, 600));
        assert_eq!(fit(Some(800), Some(800), Fit::Cover), (800, 800));
        assert_eq!(fit(Some(100), Some(900), Fit::Exact), (100, 900));
        let thin = DynamicImage::new_rgb8(10_000, 1);
        assert_eq!(
            fitted(&thin, Some(100), None, Fit::Contain).expect("fits"),
            (100, 1),
            "at least a pixel"
        );
        // 10 × 5000 at 100 wide would be 50000 high: refused, not squashed.
        let tall = DynamicImage::new_rgb8(10, 5000);
        let refused = fitted(&tall, Some(100), None, Fit::Contain).expect_err("too tall");
        assert!(
            matches!(refused, Failure::Permanent(ref m) if m.contains("100×50000")),
            "{refused:?}"
        );
    }

    #[test]
    fn a_result_too_large_for_memory_is_refused_before_it_is_made() {
        let image = DynamicImage::new_rgb16(64, 64);
        let refused = resize(&image, 16_384, 16_384, Fit::Exact).expect_err("too large");
        assert!(
            matches!(refused, Failure::Permanent(ref m) if m.contains("16384×16384")),
            "{refused:?}"
        );
        assert!(resize(&image, 256, 256, Fit::Exact).is_ok());
    }

    #[test]
    fn transparency_becomes_white_in_a_jpeg() {
        let mut rgba = image::RgbaImage::new(16, 16);
        for pixel in rgba.pixels_mut() {
            *pixel = image::Rgba([0, 0, 255, 0]);
        }
        let jpeg = encode(&DynamicImage::ImageRgba8(rgba), ImageFormat::Jpeg, 90).expect("jpeg");
        let back = image::load_from_memory(&jpeg).expect("decodes").to_rgb8();
        let [r, g, b] = back.get_pixel(8, 8).0;
        assert!(r > 245 && g > 245 && b > 245, "{:?}", (r, g, b));
    }

    #[test]
    fn a_jpeg_claiming_more_pixels_than_memory_allows_is_refused() {
        let small = encode(&DynamicImage::new_rgb8(16, 16), ImageFormat::Jpeg, 80).expect("jpeg");
        // The frame header (SOF0): marker, length, precision, height, width.
        let at = small
            .windows(2)
            .position(|pair| pair == [0xff, 0xc0])
            .expect("a baseline frame");
        let mut claimed = small.clone();
        claimed[at + 5..at + 9].copy_from_slice(&[0x4e, 0x20, 0x4e, 0x20]); // 20000 × 20000
        let refused = decode(&claimed).expect_err("1.2 GB of pixels");
        assert!(
            matches!(refused, Failure::Permanent(ref m) if m.contains("too large")),
            "{refused:?}"
        );
        assert!(decode(&small).is_ok());
    }

    #[test]
    fn resize_and_encode_give_the_size_and_format_asked() {
        let image = decode(&png(400, 200)).expect("decodes");
        for fit in [Fit::Contain, Fit::Cover, Fit::Exact] {
            let resized = resize(&image, 100, 80, fit).expect("resizes");
            assert_eq!((resized.width(), resized.height()), (100, 80), "{fit:?}");
        }
        for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::Webp] {
            let bytes = encode(&image, format, 70).expect("encodes");
            let back = decode(&bytes).expect("reads back");
            assert_eq!((back.width(), back.height()), (400, 200), "{format:?}");
        }
    }

    #[test]
    fn junk_truncated_and_bombs_fail_for_good() {
        let junk = decode(b"not an image at all").expect_err("junk");
        assert!(
            matches!(junk, Failure::Permanent(ref m) if m.contains("not an image")),
            "{junk:?}"
        );
        let whole = png(64, 64);
        let cut = decode(&whole[..whole.len() / 2]).expect_err("truncated");
        assert!(matches!(cut, Failure::Permanent(_)), "{cut:?}");
        // A PNG header claiming 100000 × 100000 pixels, with a valid CRC.
        let mut bomb = whole[..33].to_vec();
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32fast::hash(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        bomb.extend_from_slice(&whole[33..]);
        let refused = decode(&bomb).expect_err("bomb");
        assert!(
            matches!(refused, Failure::Permanent(ref m) if m.contains("too large")),
            "{refused:?}"
        );
    }

    #[test]
    fn output_names_fit_in_255_bytes() {
        assert_eq!(output_name("photo.jpg", ".thumb.jpg"), "photo.thumb.jpg");
        assert_eq!(output_name(".hidden", "-1x1.png"), ".hidden-1x1.png");
        let long = format!("{}.jpg", "é".repeat(200));
        let name = output_name(&long, "-compressed.jpg");
        assert!(
            name.len() <= 255 && name.ends_with("-compressed.jpg"),
            "{}",
            name.len()
        );
    }
}
