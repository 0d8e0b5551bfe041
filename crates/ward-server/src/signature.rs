//! The webhook's signature: `X-Ward-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body
//! under the shared secret, compared in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use ward_core::Secret;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "x-ward-signature";

fn mac(secret: &Secret) -> Hmac<Sha256> {
    // HMAC takes keys of any length.
    Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"))
}

/// The header value for `body`: `sha256=<hex>`.
pub fn sign(secret: &Secret, body: &[u8]) -> String {
    let mut mac = mac(secret);
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `header` is the right signature of `body` (constant-time).
pub fn verify(secret: &Secret, body: &[u8], header: &str) -> bool {
    let Some(hex_digest) = header.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Ok(digest) = hex::decode(hex_digest) else {
        return false;
    };
    let mut mac = mac(secret);
    mac.update(body);
    mac.verify_slice(&digest).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_for_their_body_and_key() {
        let secret = Secret::new("s3cret");
        let signature = sign(&secret, b"{}");
        assert!(signature.starts_with("sha256="));
        assert!(verify(&secret, b"{}", &signature));
        assert!(!verify(&secret, b"{ }", &signature));
        assert!(!verify(&Secret::new("other"), b"{}", &signature));
        assert!(!verify(&secret, b"{}", "sha256=zz"));
        assert!(!verify(
            &secret,
            b"{}",
            &signature.replace("sha256=", "sha1=")
        ));
        // The RFC 4231 test case 2 digest.
        assert_eq!(
            sign(&Secret::new("Jefe"), b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
