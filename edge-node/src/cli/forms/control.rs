//! The parts of the forms of `control` (the work that follows the arrival of precious goods).

use serde::Serialize;

/// A certificate the Department issued.
#[derive(Clone, Debug, Serialize)]
pub struct CertificateForm {
    pub kind: String,
    pub number: String,
    pub issued_by: String,
    pub issued_at: String,
}
