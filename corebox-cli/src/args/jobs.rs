//! The command-line shape of background jobs: `corebox jobs
//! ls|show|cancel|retry|watch`, `corebox image resize|compress|thumbnail`,
//! `corebox import` and `corebox verify`. Part of the one clap definition
//! in `args.rs`; what the commands do is in `commands/jobs.rs`.

use clap::{Args, Subcommand, ValueEnum};
use corebox_proto::types::{Fit, ImageFormat};

/// `corebox jobs ...`.
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List your jobs still to run and those ended in the last hour
    #[command(visible_alias = "list")]
    Ls {
        /// All your jobs, however long ago they ended
        #[arg(long)]
        all: bool,
    },
    /// Show a job: its state, attempts, error, result and log
    Show {
        /// The job's id, as 'corebox jobs ls' shows it
        id: String,
    },
    /// Stop a job (a running child process is killed)
    Cancel {
        /// The job's id
        id: String,
    },
    /// Queue a failed, dead or cancelled job again, with fresh attempts
    Retry {
        /// The job's id
        id: String,
    },
    /// Show jobs live until they end (exit status 1 if any failed)
    #[command(after_help = "\
Without ids, watches the jobs still to run, and any queued meanwhile; on a
terminal with none to run, it waits for the next one. On a terminal each
job is a progress bar; otherwise, and with --json (one JSON object per
line), each change is printed as it happens.")]
    Watch {
        /// The jobs' ids [default: every job still to run]
        ids: Vec<String>,
    },
}

/// Waiting for a job instead of returning at once.
#[derive(Debug, Clone, Copy, Args)]
pub struct Wait {
    /// Watch the job until it ends and print what it made (exit status 1
    /// if it failed)
    #[arg(long)]
    pub wait: bool,
}

/// `corebox image ...`.
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Make a resized copy of an image (a new file; the original stays)
    Resize(ResizeArgs),
    /// Make a re-encoded, usually smaller copy of an image
    Compress(CompressArgs),
    /// Make (again) the thumbnail of an image, or a video's poster frame
    Thumbnail {
        /// The file's id
        id: String,
        #[command(flatten)]
        wait: Wait,
    },
}

/// `corebox image resize`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("size").required(true).multiple(true).args(["width", "height"])))]
pub struct ResizeArgs {
    /// The image's id
    pub id: String,
    /// Width in pixels, 1 to 16384
    #[arg(long, value_name = "W", allow_negative_numbers = true,
          value_parser = clap::value_parser!(u32).range(1..=16_384))]
    pub width: Option<u32>,
    /// Height in pixels, 1 to 16384
    #[arg(long, value_name = "H", allow_negative_numbers = true,
          value_parser = clap::value_parser!(u32).range(1..=16_384))]
    pub height: Option<u32>,
    /// How the image fills the size when both are given
    #[arg(long, value_enum, default_value_t = FitArg::Contain)]
    pub fit: FitArg,
    /// The output format [default: the input's]
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// JPEG quality, 1 to 100 [default: 85]
    #[arg(long, value_name = "Q", value_parser = clap::value_parser!(u8).range(1..=100),
          allow_negative_numbers = true)]
    pub quality: Option<u8>,
    #[command(flatten)]
    pub wait: Wait,
}

/// `corebox image compress`.
#[derive(Debug, Args)]
pub struct CompressArgs {
    /// The image's id
    pub id: String,
    /// JPEG quality, 1 to 100 [default: 75]
    #[arg(long, value_name = "Q", value_parser = clap::value_parser!(u8).range(1..=100),
          allow_negative_numbers = true)]
    pub quality: Option<u8>,
    /// The output format [default: jpeg]
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    #[command(flatten)]
    pub wait: Wait,
}

/// `corebox import`.
#[derive(Debug, Args)]
#[command(after_help = "\
The daemon downloads the URL itself, so it works for large files and slow
servers without this terminal. It refuses loopback, private and link-local
addresses (also after redirects), unless the daemon allows them.")]
pub struct ImportArgs {
    /// The URL to download: http:// or https://
    pub url: String,
    /// The name to store it under [default: from the server or the URL]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    #[command(flatten)]
    pub wait: Wait,
}

/// `corebox verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Check the whole store, not only your files' content (admins)
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub wait: Wait,
}

/// How a resized image fills its box, as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FitArg {
    /// Inside the box, keeping the aspect ratio
    Contain,
    /// Covering the box, keeping the aspect ratio; the overflow is cut off
    Cover,
    /// Exactly the box, stretched
    Exact,
}

impl From<FitArg> for Fit {
    fn from(fit: FitArg) -> Fit {
        match fit {
            FitArg::Contain => Fit::Contain,
            FitArg::Cover => Fit::Cover,
            FitArg::Exact => Fit::Exact,
        }
    }
}

/// An output format, as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// JPEG, lossy
    Jpeg,
    /// PNG, lossless
    Png,
    /// WebP, lossless
    Webp,
}

impl From<FormatArg> for ImageFormat {
    fn from(format: FormatArg) -> ImageFormat {
        match format {
            FormatArg::Jpeg => ImageFormat::Jpeg,
            FormatArg::Png => ImageFormat::Png,
            FormatArg::Webp => ImageFormat::Webp,
        }
    }
}
