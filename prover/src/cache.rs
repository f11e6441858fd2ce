//! Where zkinfer keeps what it computes once: `$ZKINFER_CACHE`, else `$XDG_CACHE_HOME/zkinfer`, else
//! `~/.cache/zkinfer`. Layout: `srs/kzg_bn254_k{K}.srs`, `keys/<circuit hash>/{pk,vk}.bin`,
//! `models/<onnx hash>/settings.json`. Every file is written to a temporary file and renamed into place, so
//! a crash never leaves a half-written entry that a later run would trust.

use crate::error::{io_err, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The cache root.
pub fn root() -> PathBuf {
    if let Some(dir) = std::env::var_os("ZKINFER_CACHE").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("zkinfer");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".cache").join("zkinfer")
}

/// An exclusive lock on the cache (`<root>/.lock`), held while an entry is checked and, if missing,
/// generated and written, so concurrent zkinfer processes generate each SRS and key once and never mix
/// one process's SRS with another's keys. Released when dropped.
pub struct CacheLock {
    _file: std::fs::File,
}

/// Block until this process holds the cache lock.
pub fn lock() -> Result<CacheLock> {
    let dir = root();
    std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
    let path = dir.join(".lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_err(&path))?;
    file.lock().map_err(io_err(&path))?;
    Ok(CacheLock { _file: file })
}

/// Write `bytes` to `path` atomically (temp file in the same directory, fsync, rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io_err(dir))?;
    tmp.write_all(bytes).map_err(io_err(path))?;
    tmp.as_file().sync_all().map_err(io_err(path))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .map_err(io_err(path))?;
    Ok(())
}
