//! Background jobs: what can be asked for, and how a job is seen.

use serde::{Deserialize, Serialize};

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    /// A worker is on it.
    Running,
    /// Done; its result is there.
    Succeeded,
    /// Its last attempt failed; it runs again after `run_after`.
    Failed,
    /// Stopped by its owner.
    Cancelled,
    /// Failed for good: out of attempts, or a failure no retry can mend.
    Dead,
}

impl JobState {
    /// The stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
            JobState::Dead => "dead",
        }
    }

    /// Parses [`JobState::as_str`].
    pub fn parse(text: &str) -> Option<JobState> {
        Some(match text {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "succeeded" => JobState::Succeeded,
            "failed" => JobState::Failed,
            "cancelled" => JobState::Cancelled,
            "dead" => JobState::Dead,
            _ => return None,
        })
    }

    /// Whether the job will do nothing more on its own.
    pub fn is_ended(self) -> bool {
        matches!(
            self,
            JobState::Succeeded | JobState::Cancelled | JobState::Dead
        )
    }
}

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobKind {
    /// A small JPEG of an uploaded image, kept with the original.
    Thumbnail,
    /// A resized copy of an image, as a new file.
    Resize,
    /// A re-encoded copy of an image, as a new file.
    Compress,
    /// Re-hashing stored content against its address.
    Verify,
    /// Downloading a URL into the owner's files.
    Import,
    /// A poster frame of a video, through ffmpeg.
    VideoThumbnail,
    /// The configured upload check (a virus scanner, say) on a new file.
    UploadHook,
}

impl JobKind {
    /// The stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Thumbnail => "thumbnail",
            JobKind::Resize => "resize",
            JobKind::Compress => "compress",
            JobKind::Verify => "verify",
            JobKind::Import => "import",
            JobKind::VideoThumbnail => "video-thumbnail",
            JobKind::UploadHook => "upload-hook",
        }
    }

    /// Parses [`JobKind::as_str`].
    pub fn parse(text: &str) -> Option<JobKind> {
        Some(match text {
            "thumbnail" => JobKind::Thumbnail,
            "resize" => JobKind::Resize,
            "compress" => JobKind::Compress,
            "verify" => JobKind::Verify,
            "import" => JobKind::Import,
            "video-thumbnail" => JobKind::VideoThumbnail,
            "upload-hook" => JobKind::UploadHook,
            _ => return None,
        })
    }
}

/// How a resized image fills the size asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    /// Inside the box, keeping the aspect ratio.
    #[default]
    Contain,
    /// Covering the box, keeping the aspect ratio, the overflow cut off.
    Cover,
    /// Exactly the box, stretched.
    Exact,
}

/// An image format jobs can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageFormat {
    /// JPEG, lossy, with a quality.
    Jpeg,
    /// PNG, lossless.
    Png,
    /// WebP, lossless (quality does not apply).
    Webp,
}

/// A job to start. (Externally tagged: bincode, the wire codec, cannot
/// read internally tagged enums.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobRequest {
    /// A thumbnail of an image or a video (for a video, a poster frame).
    Thumbnail {
        /// The file.
        file_id: String,
    },
    /// A resized copy of an image; at least one of width and height.
    Resize {
        /// The file.
        file_id: String,
        /// Width in pixels.
        width: Option<u32>,
        /// Height in pixels.
        height: Option<u32>,
        /// How the image fills the size.
        fit: Fit,
        /// The output format [default: the input's].
        format: Option<ImageFormat>,
        /// JPEG quality, 1 to 100 [default: 85].
        quality: Option<u8>,
    },
    /// A re-encoded copy of an image, usually smaller.
    Compress {
        /// The file.
        file_id: String,
        /// JPEG quality, 1 to 100 [default: 75].
        quality: Option<u8>,
        /// The output format [default: JPEG].
        format: Option<ImageFormat>,
    },
    /// Re-hash stored content: the caller's files, or with `all` (admins)
    /// the whole store.
    Verify {
        /// The whole store.
        all: bool,
    },
    /// Download a URL into the caller's files.
    Import {
        /// An http:// or https:// URL.
        url: String,
        /// The file's name [default: from the answer or the URL].
        name: Option<String>,
    },
}

/// What a finished job produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobOutcome {
    /// One line for people.
    pub summary: String,
    /// The file made, if any.
    pub file_id: Option<String>,
    /// Its name.
    pub file_name: Option<String>,
    /// Size of the input, for jobs that re-encode.
    pub bytes_before: Option<u64>,
    /// Size of the output.
    pub bytes_after: Option<u64>,
    /// Blobs checked, for verify.
    pub checked: Option<u64>,
    /// Blobs whose content no longer matches their address, for verify.
    pub mismatched: Vec<String>,
}

/// A job, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobInfo {
    /// The job's id.
    pub id: String,
    /// What it does.
    pub kind: JobKind,
    /// Where it is.
    pub state: JobState,
    /// The file it works on, if any (and while it exists).
    pub file_id: Option<String>,
    /// That file's name.
    pub file_name: Option<String>,
    /// Attempts made so far.
    pub attempts: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// Progress of the current attempt, 0 to 1.
    pub progress: f64,
    /// What it is doing, in a few words.
    pub message: String,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// What it produced, once succeeded.
    pub result: Option<JobOutcome>,
    /// When it was queued.
    pub created_at: i64,
    /// When its last attempt started.
    pub started_at: Option<i64>,
    /// When it ended.
    pub finished_at: Option<i64>,
    /// When it may run next (Unix milliseconds), while queued or failed.
    pub run_after_ms: i64,
    /// What its child process wrote on stderr (only from `job_show`).
    pub log: Option<String>,
}

/// Which jobs a listing or a watch covers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFilter {
    /// Ended jobs too, not only those still to run (and those ended in the
    /// last hour).
    pub all: bool,
    /// Only jobs on this file.
    pub file_id: Option<String>,
    /// Only these jobs.
    pub ids: Vec<String>,
}

/// The jobs that changed since a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobChanges {
    /// The version to ask from next time.
    pub version: u64,
    /// The changed jobs, oldest change first.
    pub jobs: Vec<JobInfo>,
}
