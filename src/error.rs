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
        let raw = e.message().trim();
        let mut message = plain_message(raw);
        let key = match e.span().and_then(|s| key_at(text, s.start)) {
            Some(key) => {
                message = format!("{key}: {message}");
                key
            }
            None => key_in_message(raw).unwrap_or_default(),
        };
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

/// serde's words for a bad value, in the words of a policy file: a "value" (not a variant), quoted
/// the way TOML quotes strings.
fn plain_message(message: &str) -> String {
    let rewritten = if let Some(rest) = message.strip_prefix("unknown variant ") {
        format!("unknown value {rest}")
    } else if let Some(rest) = message.strip_prefix("unknown field ") {
        format!("unknown key {rest}")
    } else {
        return message.to_string();
    };
    rewritten.replace('`', "\"")
}

/// The dotted key whose value or name is at byte `offset` of a TOML text: the table header
/// above it (`[dco]`, `[[secrets.allow]]`) joined with the key of its line, or of the nearest
/// line above that starts one (a value inside a multi-line array).
fn key_at(text: &str, offset: usize) -> Option<String> {
    let upto = line_of(text, offset);
    let mut section: Option<String> = None;
    let mut key: Option<String> = None;
    for line in text.lines().take(upto) {
        let t = line.trim();
        if let Some(header) = t.strip_prefix('[') {
            let name = header.trim_start_matches('[');
            let name = name.split(']').next().unwrap_or_default();
            section = Some(dotted(name));
            key = None;
        } else if let Some((k, _)) = t.split_once('=').filter(|_| !t.starts_with('#')) {
            let k = dotted(k);
            if !k.is_empty() && !k.contains(['"', '\'', ' ', '{', ',']) {
                key = Some(k);
            }
        }
    }
    match (section, key) {
        (Some(s), Some(k)) => Some(format!("{s}.{k}")),
        (None, Some(k)) => Some(k),
        (Some(s), None) => Some(s),
        (None, None) => None,
    }
}

/// `a . "b"` as `a.b`.
fn dotted(key: &str) -> String {
    key.split('.')
        .map(|part| part.trim().trim_matches(['"', '\'']))
        .collect::<Vec<_>>()
        .join(".")
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
                let named = message.contains(&format!("`{key}`"))
                    || message.starts_with(&format!("{key}: "));
                if !key.is_empty() && !named {
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
