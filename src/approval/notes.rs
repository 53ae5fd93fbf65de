//! Where signed approvals live: a git note on the tip commit under
//! `refs/notes/outbound-approvals`. A note holds one or more blocks, each a statement followed
//! by its armoured SSH signature, so one tip can be approved for several destinations.

use super::sshsig::{BEGIN, END};
use super::statement::Statement;

/// The notes ref that holds approvals.
pub const NOTES_REF: &str = "refs/notes/outbound-approvals";

/// One statement and the signature over exactly its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The signed text, up to (not including) the signature armour.
    pub statement: String,
    /// The armoured signature, empty when the block has none.
    pub signature: String,
}

/// The note on `tip`, if there is one.
pub fn read(repo: &git2::Repository, tip: &str) -> Result<Option<String>, String> {
    let oid = git2::Oid::from_str(tip).map_err(|e| format!("bad commit id '{tip}': {e}"))?;
    match repo.find_note(Some(NOTES_REF), oid) {
        Ok(note) => match note.message() {
            Ok(text) => Ok(Some(text.to_string())),
            Err(_) => Err(format!("the approval note on {tip} is not UTF-8")),
        },
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(format!(
            "cannot read {NOTES_REF} for {tip}: {}",
            e.message()
        )),
    }
}

/// The note on `tip` in the notes commit `notes` (a notes ref's commit that a push carries and
/// that no ref names yet), else under `refs/notes/outbound-approvals`.
pub fn read_in(
    repo: &git2::Repository,
    notes: Option<&str>,
    tip: &str,
) -> Result<Option<String>, String> {
    let Some(notes) = notes else {
        return read(repo, tip);
    };
    let tree = git2::Oid::from_str(notes)
        .and_then(|id| repo.find_commit(id))
        .and_then(|c| c.tree())
        .map_err(|e| {
            format!(
                "cannot read the pushed {NOTES_REF} {notes}: {}",
                e.message()
            )
        })?;
    // Git fans notes out into folders of two hex digits as the notes tree grows.
    let paths = (0..tip.len() / 2).map(|depth| {
        let mut p = String::new();
        for i in 0..depth {
            p.push_str(&tip[2 * i..2 * i + 2]);
            p.push('/');
        }
        p.push_str(&tip[2 * depth..]);
        p
    });
    for path in paths {
        if let Ok(entry) = tree.get_path(std::path::Path::new(&path)) {
            let blob = repo
                .find_blob(entry.id())
                .map_err(|e| format!("cannot read the approval note on {tip}: {}", e.message()))?;
            return match std::str::from_utf8(blob.content()) {
                Ok(text) => Ok(Some(text.to_string())),
                Err(_) => Err(format!("the approval note on {tip} is not UTF-8")),
            };
        }
    }
    Ok(None)
}

/// Adds `block` to the note on `tip`, replacing any block for the same destination.
pub fn add(repo: &git2::Repository, tip: &str, block: &Block) -> Result<(), String> {
    let oid = git2::Oid::from_str(tip).map_err(|e| format!("bad commit id '{tip}': {e}"))?;
    let destination = destination_of(&block.statement);
    let mut blocks: Vec<Block> = read(repo, tip)?
        .map(|text| split(&text))
        .unwrap_or_default()
        .into_iter()
        .filter(|b| destination.is_none() || destination_of(&b.statement) != destination)
        .collect();
    blocks.push(block.clone());
    let who = repo
        .signature()
        .or_else(|_| git2::Signature::now("git-outbound", "git-outbound@localhost"))
        .map_err(|e| format!("cannot make a git signature: {}", e.message()))?;
    repo.note(&who, &who, Some(NOTES_REF), oid, &join(&blocks), true)
        .map_err(|e| format!("cannot write {NOTES_REF} for {tip}: {}", e.message()))?;
    Ok(())
}

/// Splits a note into blocks. Text after the last signature becomes an unsigned block.
pub fn split(note: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut rest = note;
    while let Some(begin) = rest.find(BEGIN) {
        let (statement, armoured) = rest.split_at(begin);
        let end = armoured.find(END).map_or(armoured.len(), |e| e + END.len());
        blocks.push(Block {
            statement: statement.to_string(),
            signature: format!("{}\n", &armoured[..end]),
        });
        rest = armoured[end..]
            .strip_prefix('\n')
            .unwrap_or(&armoured[end..]);
    }
    if !rest.trim().is_empty() {
        blocks.push(Block {
            statement: rest.to_string(),
            signature: String::new(),
        });
    }
    blocks
}

/// The note text for `blocks`; `split(join(b)) == b` for signed blocks.
pub fn join(blocks: &[Block]) -> String {
    blocks
        .iter()
        .map(|b| format!("{}{}", b.statement, b.signature))
        .collect()
}

fn destination_of(statement: &str) -> Option<String> {
    Statement::parse(statement).ok().map(|s| s.destination)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approval::testutil;

    fn block(destination: &str, tip: &str) -> Block {
        let statement = Statement {
            destination: destination.into(),
            base: None,
            tip: tip.into(),
            commits: vec![tip.into()],
            lines: 3,
            expires: "2030-01-01".into(),
            reason: "T-1".into(),
            approver: "a@example.org".into(),
        };
        Block {
            statement: statement.render().unwrap(),
            signature: format!("{BEGIN}\nAAAA\n{END}\n"),
        }
    }

    #[test]
    fn split_and_join_round_trip() {
        let blocks = vec![
            block("a.org/x", &"1".repeat(40)),
            block("b.org/y", &"1".repeat(40)),
        ];
        assert_eq!(split(&join(&blocks)), blocks);
        assert!(split("").is_empty());
    }

    #[test]
    fn trailing_text_without_signature_is_an_unsigned_block() {
        let blocks = split("git-outbound approval v1\nforged\n");
        assert_eq!(blocks.len(), 1);
        assert!(blocks[0].signature.is_empty());
        let cut = split(&format!("text\n{BEGIN}\nAAAA"));
        assert_eq!(cut[0].statement, "text\n");
        assert!(!cut[0].signature.contains(END));
    }

    #[test]
    fn notes_are_written_on_the_tip_and_replaced_per_destination() {
        let (_dir, repo) = testutil::repo();
        let tip = testutil::commit(&repo, None, "a.txt", "a\n").to_string();
        assert_eq!(read(&repo, &tip).unwrap(), None);
        add(&repo, &tip, &block("a.org/x", &tip)).unwrap();
        add(&repo, &tip, &block("b.org/y", &tip)).unwrap();
        let mut replaced = block("a.org/x", &tip);
        replaced.signature = format!("{BEGIN}\nBBBB\n{END}\n");
        add(&repo, &tip, &replaced).unwrap();
        let blocks = split(&read(&repo, &tip).unwrap().unwrap());
        assert_eq!(blocks, vec![block("b.org/y", &tip), replaced]);
        assert!(repo.find_reference(NOTES_REF).is_ok());
        assert!(read(&repo, "not-an-id").is_err());
    }
}
