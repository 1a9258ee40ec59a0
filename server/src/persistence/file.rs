//! Writing a file so that it appears complete or not at all.
//!
//! Data goes to a temp file in the target's directory; `commit` flushes it to disk,
//! renames it over the target and fsyncs the directory, so a crash at any point leaves
//! either the old file or the new one. A temp file dropped without `commit` is removed.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A temp file that replaces `target` on commit.
#[derive(Debug)]
pub struct TempFile {
    file: Option<File>,
    temp: PathBuf,
    target: PathBuf,
}

/// Which step of writing failed, with the OS error (for Redis's log lines).
#[derive(Debug)]
pub struct WriteError {
    /// "open", "write", "fsync", "rename" or "fsyncFileDir".
    pub step: &'static str,
    /// The OS error.
    pub error: io::Error,
}

impl TempFile {
    /// Creates `temp_name` next to `target`.
    pub fn create(target: &Path, temp_name: &str) -> Result<TempFile, WriteError> {
        let dir = target.parent().unwrap_or(Path::new("."));
        let temp = dir.join(temp_name);
        let file = File::create(&temp).map_err(|error| WriteError {
            step: "open",
            error,
        })?;
        Ok(TempFile {
            file: Some(file),
            temp,
            target: target.to_path_buf(),
        })
    }

    /// Appends bytes.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), WriteError> {
        let Some(file) = self.file.as_mut() else {
            return Err(WriteError {
                step: "write",
                error: io::Error::other("file already closed"),
            });
        };
        file.write_all(bytes).map_err(|error| WriteError {
            step: "write",
            error,
        })
    }

    /// Flushes to disk, renames over the target and fsyncs the directory.
    pub fn commit(mut self) -> Result<(), WriteError> {
        if let Some(file) = self.file.take() {
            file.sync_all().map_err(failed("fsync"))?;
        }
        std::fs::rename(&self.temp, &self.target).map_err(failed("rename"))?;
        fsync_dir(self.target.parent().unwrap_or(Path::new(".")))
            .map_err(failed("fsyncFileDir"))?;
        // Renamed: nothing left to clean up.
        self.temp = PathBuf::new();
        Ok(())
    }
}

/// Makes a rename or a new file in `dir` durable.
pub fn fsync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir).and_then(|d| d.sync_all())
}

fn failed(step: &'static str) -> impl FnOnce(io::Error) -> WriteError {
    move |error| WriteError { step, error }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}
