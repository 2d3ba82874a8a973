//! `video-thumbnail`: a poster frame of a video through `ffmpeg`, run as a
//! child process, kept as the video's thumbnail. Where ffmpeg is missing
//! the job fails at once, saying so.

use std::ffi::OsString;

use corebox_proto::types::JobOutcome;
use tokio_util::sync::CancellationToken;

use super::child::{NotRun, run};
use super::{Done, Failure, Progress, image};
use crate::auth::Actor;
use crate::jobs::Jobs;
use crate::storage::BlobId;

/// Where in the video the frame is taken, in seconds; a shorter video
/// gets its first frame.
const AT_SECONDS: [&str; 2] = ["1", "0"];

/// A poster frame of video `file_id`.
pub async fn poster(
    jobs: &Jobs,
    actor: &Actor,
    file_id: &str,
    token: &CancellationToken,
    progress: &Progress,
) -> Result<Done, Failure> {
    let file = super::source_file(jobs, actor, file_id).await?;
    if !file.media_type.starts_with("video/") {
        return Err(Failure::Permanent(format!(
            "{} is {}, not a video",
            file.name, file.media_type
        )));
    }
    let blob = BlobId::parse(&file.sha256)
        .ok_or_else(|| Failure::Permanent("the file's content id is malformed".to_owned()))?;
    let input = jobs.inner.storage.blob_path(&blob);
    let dir = tempfile::tempdir()
        .map_err(|error| Failure::Retry(format!("cannot make a working folder: {error}")))?;
    let frame = dir.path().join("frame.jpg");
    let ffmpeg = &jobs.inner.config.ffmpeg;
    let size = jobs.inner.config.thumbnail_size;
    progress.report(0.1, "extracting a frame").await;
    for at in AT_SECONDS {
        let args: Vec<OsString> = [
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-ss",
            at,
            "-i",
        ]
        .iter()
        .map(OsString::from)
        .chain([input.clone().into_os_string()])
        .chain(
            [
                "-frames:v".to_owned(),
                "1".to_owned(),
                "-vf".to_owned(),
                format!("scale='min({size},iw)':-2"),
                "-y".to_owned(),
            ]
            .map(OsString::from),
        )
        .chain([frame.clone().into_os_string()])
        .collect();
        match run(ffmpeg, &args, &[], token, progress).await {
            Ok(finished) if finished.status.success() && frame.exists() => break,
            Ok(_) => {}
            Err(NotRun::Spawn(error)) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(Failure::Permanent(format!(
                    "ffmpeg is not installed on the daemon's machine ({ffmpeg} not found): \
                     install it (for example apt-get install ffmpeg) or set ffmpeg to its path"
                )));
            }
            Err(NotRun::Spawn(error)) => {
                return Err(Failure::Retry(format!("ffmpeg could not start: {error}")));
            }
            Err(NotRun::Stopped) => return Err(Failure::Retry("stopped".to_owned())),
        }
    }
    let bytes = std::fs::read(&frame).map_err(|_| {
        Failure::Permanent(format!(
            "ffmpeg found no frame in {}: see corebox jobs show for its log",
            file.name
        ))
    })?;
    // Whatever ffmpeg wrote, keep only pixels: decode and encode again.
    let jpeg = super::cpu(jobs, move || {
        let decoded = image::decode(&bytes)?;
        image::encode(&decoded, corebox_proto::types::ImageFormat::Jpeg, 80)
    })
    .await?;
    progress.report(0.9, "storing").await;
    let name = image::output_name(&file.name, ".thumb.jpg");
    let outcome = JobOutcome {
        summary: format!("poster frame of {} made", file.name),
        ..JobOutcome::default()
    };
    image::store_variant(jobs, actor, jpeg, name, file.id, outcome).await
}
