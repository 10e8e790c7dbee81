//! The text of every file a [`Plan`](super::Plan) was compiled from — the pipeline file, the
//! files its `include` names, its `[calendar]` — kept with the plan, so that a window or a
//! carry-over check compiles the pipeline again for other days from the same text, never
//! from the disk (a file edited between two steps of one run must not change the run).

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where [`compile`](super::compile) reads the files it needs: the disk (recording what it
/// read), or the record of an earlier compile.
#[derive(Debug, Clone, Default)]
pub struct FileTexts {
    /// Each file as read, the pipeline file first, in the order compile asked for them.
    files: Vec<(PathBuf, Arc<str>)>,
    /// Read only from `files`: a path not there is "not found".
    from_memory: bool,
}

impl FileTexts {
    /// Reads from the disk and records what it read.
    pub fn from_disk() -> FileTexts {
        FileTexts::default()
    }

    /// Reads only what `earlier` recorded.
    pub fn replay(earlier: &FileTexts) -> FileTexts {
        FileTexts {
            files: earlier.files.clone(),
            from_memory: true,
        }
    }

    /// The text of `path`: from the record when it was read before (or in replay), else
    /// from the disk.
    pub fn read(&mut self, path: &Path) -> std::io::Result<Arc<str>> {
        if let Some((_, text)) = self.files.iter().find(|(p, _)| p == path) {
            return Ok(text.clone());
        }
        if self.from_memory {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} 在最初编译流水线时没有读入", path.display()),
            ));
        }
        let text: Arc<str> = std::fs::read_to_string(path)?.into();
        self.files.push((path.to_path_buf(), text.clone()));
        Ok(text)
    }

    /// The text recorded for `path`, if it was read.
    pub fn text_of(&self, path: &Path) -> Option<&str> {
        self.files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, t)| t.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replay_reads_what_was_read_then_even_when_the_file_changed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(&path, "first").unwrap();
        let mut disk = FileTexts::from_disk();
        assert_eq!(&*disk.read(&path).unwrap(), "first");
        std::fs::write(&path, "second").unwrap();
        let mut replay = FileTexts::replay(&disk);
        assert_eq!(&*replay.read(&path).unwrap(), "first");
        // Never read then: not found, whatever the disk holds now.
        let other = dir.path().join("other.toml");
        std::fs::write(&other, "x").unwrap();
        assert_eq!(
            replay.read(&other).unwrap_err().kind(),
            std::io::ErrorKind::NotFound
        );
    }
}
