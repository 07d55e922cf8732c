//! Identifiers and short texts that acts carry, each checked when it is decoded.
//!
//! Codes (posts, seals, consignments, HS codes, currencies, countries, keys) have a fixed
//! alphabet and length so that they compare exactly and print safely; free text has a length
//! limit and no control characters other than line breaks.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Why a code or text was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("bad {what} {given:?}: {expected}")]
pub struct CodeError {
    /// Which kind of value it was meant to be.
    pub what: &'static str,
    /// The text given (cut to 64 characters).
    pub given: String,
    /// What a good value looks like.
    pub expected: &'static str,
}

macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $expected:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Checks `text` and wraps it.
            pub fn new(text: impl Into<String>) -> Result<Self, CodeError> {
                let text = text.into();
                let check: fn(&str) -> bool = $check;
                if check(&text) {
                    Ok(Self(text))
                } else {
                    Err(CodeError {
                        what: $what,
                        given: text.chars().take(64).collect(),
                        expected: $expected,
                    })
                }
            }

            /// The code as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Self::new(text).map_err(serde::de::Error::custom)
            }
        }
    };
}

fn code_chars(text: &str, min: usize, max: usize, extra: &[u8]) -> bool {
    (min..=max).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || extra.contains(&b))
}

fn lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

code_type!(
    /// A customs post, office or escort unit code, like `KG417010` or `PMD-BISHKEK`.
    UnitCode,
    "unit code",
    "1 to 32 characters of A-Z, 0-9, '-' and '_'",
    |t| code_chars(t, 1, 32, b"-_")
);

code_type!(
    /// A consignment's identifier, chosen at registration (usually from the transit declaration
    /// number, like `10609050/231126/0000123`).
    ConsignmentId,
    "consignment id",
    "1 to 64 characters of A-Z, 0-9, '-', '_', '/' and '.'",
    |t| code_chars(t, 1, 64, b"-_/.")
);

code_type!(
    /// The number printed on a seal or reported by a navigation seal.
    SealNumber,
    "seal number",
    "1 to 32 characters of A-Z, 0-9, '-' and '/'",
    |t| code_chars(t, 1, 32, b"-/")
);

code_type!(
    /// A Harmonized System commodity code, 6 to 10 digits without dots, like `7102310000`.
    HsCode,
    "HS code",
    "6 to 10 digits, no dots or spaces",
    |t| (6..=10).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())
);

impl HsCode {
    /// Whether goods of this code are rough diamonds: HS 7102 10, 7102 21, 7102 31 (seed 004,
    /// para 6).
    pub fn is_rough_diamond(&self) -> bool {
        ["710210", "710221", "710231"]
            .iter()
            .any(|p| self.0.starts_with(p))
    }
}

code_type!(
    /// An ISO 4217 currency code, like `USD` or `KGS`.
    CurrencyCode,
    "currency code",
    "three capital letters (ISO 4217), like \"USD\"",
    |t| t.len() == 3 && t.bytes().all(|b| b.is_ascii_uppercase())
);

code_type!(
    /// An ISO 3166-1 alpha-2 country code, like `KG` or `BE`.
    CountryCode,
    "country code",
    "two capital letters (ISO 3166-1 alpha-2), like \"KG\"",
    |t| t.len() == 2 && t.bytes().all(|b| b.is_ascii_uppercase())
);

code_type!(
    /// A SHA-256 digest in lower-case hex: the hash of an attachment (photo, scan, document).
    Sha256Hex,
    "SHA-256 digest",
    "64 lower-case hex digits",
    |t| lower_hex(t, 64)
);

/// The largest free text an act may carry, in bytes.
pub const MAX_TEXT_BYTES: usize = 4096;

code_type!(
    /// Free text written by a person: names, descriptions, reasons. Up to 4096 bytes of UTF-8,
    /// not empty, no control characters but line feed and tab.
    Text,
    "text",
    "1 to 4096 bytes, no control characters other than tab and line feed",
    |t| !t.trim().is_empty()
        && t.len() <= MAX_TEXT_BYTES
        && t.chars().all(|c| !c.is_control() || c == '\n' || c == '\t')
);

/// What a key holder is enrolled as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// An officer at a customs post or office.
    PostOfficer,
    /// An officer of a customs escort crew.
    EscortOfficer,
    /// An official of the Precious Metals Department.
    PreciousMetalsOfficer,
    /// Reconciliation staff at headquarters.
    CentralStaff,
    /// A supervisor of reconciliation staff at headquarters: resolves what staff resolve, and
    /// gives the second signature a critical discrepancy's resolution needs (the two-person
    /// rule, docs/act-format.md 9.2).
    Supervisor,
    /// A node's device key (post PC, vehicle tablet, navigation seal gateway).
    Device,
    /// A registrar key: enrolled by the customs authority's root key for a limited time, it
    /// enrolls and revokes officers, staff and devices (never registrars). It signs no
    /// consignment act.
    Registrar,
    /// Central's transparency log key: it signs the log's tree heads and nothing else (no act,
    /// no enrollment).
    TransparencyLog,
    /// A navigation seal operator's key: it signs its seals' events
    /// (`seal_events_reported`) and nothing else.
    SealOperator,
}

impl Role {
    /// The role's name as the encoding writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::PostOfficer => "post_officer",
            Role::EscortOfficer => "escort_officer",
            Role::PreciousMetalsOfficer => "precious_metals_officer",
            Role::CentralStaff => "central_staff",
            Role::Supervisor => "supervisor",
            Role::Device => "device",
            Role::Registrar => "registrar",
            Role::TransparencyLog => "transparency_log",
            Role::SealOperator => "seal_operator",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_accept_what_customs_writes() {
        UnitCode::new("KG417010").unwrap();
        UnitCode::new("PMD-BISHKEK").unwrap();
        ConsignmentId::new("10609050/231126/0000123").unwrap();
        HsCode::new("7102310000").unwrap();
        SealNumber::new("KG-0042137").unwrap();
        Text::new("Сейф-пакет, 1 место\nопломбирован").unwrap();
    }

    #[test]
    fn codes_refuse_the_rest() {
        assert!(UnitCode::new("kg417010").is_err());
        assert!(UnitCode::new("").is_err());
        assert!(UnitCode::new("A".repeat(33)).is_err());
        assert!(HsCode::new("7102.31").is_err());
        assert!(CurrencyCode::new("usd").is_err());
        assert!(Sha256Hex::new("AB".repeat(32)).is_err());
        assert!(Text::new("  ").is_err());
        assert!(Text::new("bell\u{7}").is_err());
        assert!(Text::new("x".repeat(MAX_TEXT_BYTES + 1)).is_err());
        let err = SealNumber::new("seal 1").unwrap_err();
        assert!(err.to_string().contains("seal number"), "{err}");
    }
}

code_type!(
    /// An officer's, device's or the authority's ed25519 public key, as 64 lower-case hex
    /// digits. Acts name their signers by key; the registry says who holds each key.
    KeyId,
    "public key",
    "64 lower-case hex digits (an ed25519 public key)",
    |t| lower_hex(t, 64)
);

impl KeyId {
    /// The first 16 hex digits, grouped for reading aloud when confirming a key.
    pub fn fingerprint(&self) -> String {
        self.0.as_bytes()[..16]
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or(""))
            .collect::<Vec<_>>()
            .join("-")
    }
}

code_type!(
    /// A discrepancy's identity: 64 lower-case hex digits, derived from its kind, subject and
    /// the acts that prove it (see [`crate::assessment::Discrepancy`]).
    DiscrepancyId,
    "discrepancy id",
    "64 lower-case hex digits",
    |t| lower_hex(t, 64)
);
