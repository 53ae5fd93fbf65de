//! The errors that stop a run (exit code 2). Findings are data, not errors: a leaked key is a
//! `Finding`; an unreadable policy, a bad revision or a missing path is an `Error`.

use std::fmt;
use std::path::PathBuf;

/// Everything that can make git-outbound unable to do its job.
#[derive(Debug)]
pub enum Error {
    /// A mistake in a policy file or rule pack: the file, the line (when known), the key.
    Config {
        file: String,
        line: Option<usize>,
        key: String,
        message: String,
    },
    /// A file or directory could not be read or written.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A libgit2 operation failed: what we tried, and libgit2's error.
    Git { action: String, source: git2::Error },
    /// A `git` command failed: what we ran and what it printed on stderr.
    GitCommand { action: String, stderr: String },
    /// The command line asked for something impossible.
    Usage(String),
    /// A bug or an impossible state, reported rather than panicking.
    Internal(String),
}

impl Error {
    /// Wraps a TOML parse error with the file name and the line of its span.
    pub fn toml(file: &str, text: &str, e: &toml::de::Error) -> Error {
        let line = e.span().map(|s| line_of(text, s.start));
        let message = e.message().trim().to_string();
        let key = key_in_message(&message).unwrap_or_default();
        Error::Config {
            file: file.to_string(),
            line,
            key,
            message,
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn git(action: impl Into<String>, e: git2::Error) -> Error {
        Error::Git {
            action: action.into(),
            source: e,
        }
    }
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// serde names unknown fields as "unknown field `x`"; pull the key out for the message.
fn key_in_message(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_string())
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config {
                file,
                line,
                key,
                message,
            } => {
                write!(f, "'{file}'")?;
                if let Some(line) = line {
                    write!(f, " line {line}")?;
                }
                if !key.is_empty() && !message.contains(&format!("`{key}`")) {
                    write!(f, ", key '{key}'")?;
                }
                write!(f, ": {message}")
            }
            Error::Io { path, source } => write!(f, "'{}': {source}", path.display()),
            Error::Git { action, source } => write!(f, "{action}: {}", source.message()),
            Error::GitCommand { action, stderr } => write!(f, "{action}: {stderr}"),
            Error::Usage(m) | Error::Internal(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {
    /// The underlying error; `Display` already includes its message, as one line for the user.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Git { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<git2::Error> for Error {
    fn from(e: git2::Error) -> Error {
        Error::git("git", e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_errors_name_file_line_and_key() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct S {
            severity: Option<String>,
        }
        let text = "# c\nserverity = \"block\"\n";
        let e = toml::from_str::<S>(text).unwrap_err();
        let err = Error::toml(".outbound.toml", text, &e);
        let shown = err.to_string();
        assert!(shown.starts_with("'.outbound.toml' line 2"), "{shown}");
        assert!(shown.contains("serverity"), "{shown}");
    }
}
