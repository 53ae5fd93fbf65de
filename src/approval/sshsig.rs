//! SSH signatures (the `ssh-keygen -Y sign` format, OpenSSH PROTOCOL.sshsig) over approval
//! statements, made and checked in-process with the `ssh-key` crate. Whether the signing key
//! may approve anything is the business of `signers`; this file only answers "did this key
//! sign these bytes in this namespace".

use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig, public::KeyData};
use std::path::Path;

/// The armour lines of an SSH signature.
pub const BEGIN: &str = "-----BEGIN SSH SIGNATURE-----";
/// See [`BEGIN`].
pub const END: &str = "-----END SSH SIGNATURE-----";

/// Signs `message` with the private key at `key_path` and returns the armoured signature
/// (SHA-512, as `ssh-keygen -Y sign` does). Encrypted keys are refused with a hint, because a
/// hook cannot ask for a passphrase.
pub fn sign(key_path: &Path, namespace: &str, message: &[u8]) -> Result<String, String> {
    if namespace.is_empty() {
        return Err("the signature namespace must not be empty".to_string());
    }
    let shown = key_path.display();
    let key = PrivateKey::read_openssh_file(key_path)
        .map_err(|e| format!("cannot read SSH private key '{shown}': {e}"))?;
    if key.is_encrypted() {
        return Err(format!(
            "SSH private key '{shown}' is protected by a passphrase; use an unencrypted approval key"
        ));
    }
    if key.algorithm().is_rsa() {
        // ssh-key 0.6 builds the RSA private key from p twice (RustCrypto/SSH#217, fixed
        // after 0.6.7), so RSA signing fails; RSA signatures made by ssh-keygen still verify.
        return Err(format!(
            "SSH key '{shown}' is an RSA key, which git-outbound cannot sign with; use an ed25519 or ECDSA approval key"
        ));
    }
    let sig = key
        .sign(namespace, HashAlg::Sha512, message)
        .map_err(|e| format!("cannot sign with '{shown}': {e}"))?;
    sig.to_pem(LineEnding::LF)
        .map_err(|e| format!("cannot encode the signature: {e}"))
}

/// A decoded signature: the key that made it, and the proof.
#[derive(Debug, Clone)]
pub struct Signature {
    sig: SshSig,
}

impl Signature {
    /// Decodes an armoured signature; surrounding whitespace is ignored.
    pub fn parse(armored: &str) -> Result<Signature, String> {
        let sig = SshSig::from_pem(armored.trim().as_bytes())
            .map_err(|e| format!("malformed SSH signature: {e}"))?;
        Ok(Signature { sig })
    }

    /// The public key embedded in the signature (not yet trusted).
    pub fn key(&self) -> &KeyData {
        self.sig.public_key()
    }

    /// The key's `SHA256:…` fingerprint, as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self) -> String {
        self.key().fingerprint(HashAlg::Sha256).to_string()
    }

    /// Checks the namespace first (for a clear reason), then the signature over `message`.
    pub fn verify(&self, namespace: &str, message: &[u8]) -> Result<(), String> {
        if self.sig.namespace() != namespace {
            return Err(format!(
                "signature namespace '{}' is not '{namespace}'",
                self.sig.namespace()
            ));
        }
        // The key is the one the signature names; trusting it is the allowed signers' call.
        PublicKey::new(self.key().clone(), "")
            .verify(namespace, message, &self.sig)
            .map_err(|_| "the signature does not match the statement (tampered?)".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approval::testutil;

    #[test]
    fn own_signature_verifies_and_rejects_changes() {
        let dir = tempfile::tempdir().unwrap();
        let key = testutil::keygen(dir.path(), "ed25519", "k");
        let armored = sign(&key, "ns@example.org", b"hello\n").unwrap();
        assert!(armored.starts_with(BEGIN) && armored.trim_end().ends_with(END));
        let sig = Signature::parse(&armored).unwrap();
        assert!(sig.fingerprint().starts_with("SHA256:"));
        sig.verify("ns@example.org", b"hello\n").unwrap();
        let tampered = sig.verify("ns@example.org", b"hello!\n").unwrap_err();
        assert!(tampered.contains("does not match"), "{tampered}");
        let wrong_ns = sig.verify("other", b"hello\n").unwrap_err();
        assert!(wrong_ns.contains("namespace"), "{wrong_ns}");
    }

    #[test]
    fn signatures_cross_check_with_ssh_keygen_for_each_key_type() {
        let dir = tempfile::tempdir().unwrap();
        for kind in ["ed25519", "ecdsa", "rsa"] {
            let key = testutil::keygen(dir.path(), kind, kind);
            let message = format!("statement signed by {kind}\n");
            // ssh-keygen signs, we verify.
            let theirs = testutil::ssh_keygen_sign(&key, "ns@example.org", message.as_bytes());
            let sig = Signature::parse(&theirs).unwrap();
            sig.verify("ns@example.org", message.as_bytes()).unwrap();
            assert!(sig.verify("ns@example.org", b"other").is_err());
            // We sign, ssh-keygen verifies (and refuses a changed message).
            if kind == "rsa" {
                let err = sign(&key, "ns@example.org", message.as_bytes()).unwrap_err();
                assert!(err.contains("RSA key"), "{err}");
                continue;
            }
            let ours = sign(&key, "ns@example.org", message.as_bytes()).unwrap();
            let signers = format!("a@example.org {}", testutil::public_line(&key));
            assert!(testutil::ssh_keygen_verify(
                &signers,
                "a@example.org",
                "ns@example.org",
                &ours,
                message.as_bytes()
            ));
            assert!(!testutil::ssh_keygen_verify(
                &signers,
                "a@example.org",
                "ns@example.org",
                &ours,
                b"x"
            ));
        }
    }

    #[test]
    fn unreadable_or_encrypted_keys_and_bad_armour_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = sign(&dir.path().join("none"), "ns", b"m").unwrap_err();
        assert!(missing.contains("cannot read SSH private key"), "{missing}");
        let locked = testutil::keygen_with_passphrase(dir.path(), "locked", "pass phrase");
        let err = sign(&locked, "ns", b"m").unwrap_err();
        assert!(
            err.contains("passphrase") || err.contains("cannot read"),
            "{err}"
        );
        assert!(sign(&testutil::keygen(dir.path(), "ed25519", "e"), "", b"m").is_err());
        for bad in [
            "",
            "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----",
            "junk",
        ] {
            assert!(Signature::parse(bad).is_err(), "{bad:?}");
        }
    }
}
