//! Progress bars on stderr for uploads and downloads.
//!
//! Bars are drawn only when stderr is a terminal and the output mode is not
//! `-q`; otherwise every method here does nothing, so transfer code calls
//! them unconditionally. While bars are on screen, anything else printed
//! (notes, ids on a terminal stdout) goes through [`Progress::print`], which
//! lifts the bars out of the way first.

use std::io::{self, IsTerminal};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output::Mode;

/// One line per bar: label, bar, bytes done and total, speed, time left.
const TEMPLATE: &str = "{msg:24!} {bar:28} {binary_bytes:>10}/{binary_total_bytes:<10} \
                        {binary_bytes_per_sec:>12} eta {eta}";

/// The bars of one command, or none.
#[derive(Debug, Clone)]
pub struct Progress {
    multi: Option<MultiProgress>,
}

impl Progress {
    /// Bars when stderr is a terminal and the mode allows them.
    pub fn for_terminal(mode: Mode) -> Progress {
        let show = mode != Mode::Quiet && io::stderr().is_terminal();
        Progress {
            multi: show.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
        }
    }

    /// A bar for one file of `total` bytes, labelled with its name.
    pub fn file(&self, label: &str, total: u64) -> Bar {
        self.bar(label, total)
    }

    /// The bar for all files together.
    pub fn total(&self, total: u64) -> Bar {
        self.bar("total", total)
    }

    fn bar(&self, label: &str, total: u64) -> Bar {
        let Some(multi) = &self.multi else {
            return Bar { bar: None };
        };
        let style = ProgressStyle::with_template(TEMPLATE)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bar = multi.add(
            ProgressBar::new(total)
                .with_style(style)
                .with_message(crate::output::sanitize(label)),
        );
        Bar { bar: Some(bar) }
    }

    /// Runs `print` with the bars lifted off the screen.
    pub fn print<R>(&self, print: impl FnOnce() -> R) -> R {
        match &self.multi {
            Some(multi) => multi.suspend(print),
            None => print(),
        }
    }
}

/// One bar, or nothing. Not `Clone`: dropping it clears the bar.
#[derive(Debug)]
pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    /// Moves the bar to `position` bytes and restarts its speed estimate
    /// (after a resumed upload's first bytes, which were not sent now).
    pub fn start_at(&self, position: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(position);
            bar.reset_eta();
        }
    }

    /// Sets the position and length at once (the total bar, between
    /// files, when a file turned out larger or smaller, or failed).
    pub fn set(&self, position: u64, length: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(length);
            bar.set_position(position);
        }
    }

    /// Adds `bytes` done.
    pub fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }

    /// Changes the label, for a step such as "hashing" or "storing".
    pub fn label(&self, label: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(crate::output::sanitize(label));
        }
    }

    /// Removes the bar.
    pub fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        // A bar dropped on an error path must not stay on screen.
        if let Some(bar) = &self.bar
            && !bar.is_finished()
        {
            bar.finish_and_clear();
        }
    }
}
