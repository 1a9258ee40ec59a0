//! Unit tests of the configuration module, table-driven where possible. Expected
//! texts and values were captured from the real `redis-server` 7.0.15.

mod differential;
mod load_tests;
mod redis_defaults;
mod rewrite_tests;
mod set_tests;
mod table_tests;

use super::{Config, ConfigError, ConfigSource, Loaded};

/// Loads `text` as a config file's content (no path, no arguments).
pub(super) fn load_text(text: &str) -> Result<Loaded, ConfigError> {
    Config::load(
        Some(ConfigSource::Text {
            text: text.as_bytes().to_vec(),
            path: None,
        }),
        &[],
    )
}

/// The CONFIG GET value of one directive, as a string.
pub(super) fn value(cfg: &Config, name: &str) -> String {
    String::from_utf8(cfg.value_of(name).expect("known directive")).expect("utf-8")
}

/// The reason of a fatal error at some line, with the line.
pub(super) fn fatal(e: ConfigError) -> (Option<(usize, String)>, String) {
    match e {
        ConfigError::Fatal { line, reason } => (
            line.map(|(n, l)| (n, String::from_utf8(l).unwrap())),
            reason,
        ),
        other => panic!("not a fatal config error: {other:?}"),
    }
}

/// A fresh empty temporary directory for one test, removed when dropped.
pub(super) struct TempDir(std::path::PathBuf);

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(super) fn temp_dir(tag: &str) -> TempDir {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "scarlet-config-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(std::fs::canonicalize(&dir).unwrap())
}
