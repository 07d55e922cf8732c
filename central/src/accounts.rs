//! Headquarters staff accounts: each a person (name, personal number) with one role, a password
//! kept as an argon2id hash, a TOTP secret for the second factor (RFC 6238: 6 digits, 30 s,
//! SHA-1, as every authenticator app reads it), and, for staff who sign, the key of theirs
//! enrolled in the registry. Kept in `accounts.json` in central's data directory (0600, written
//! atomically); managed with `tamga-central account` and by administrators over HTTPS.
//!
//! [`StaffRole::may`] is the one table of who may do what ([`Action`]); every route of the
//! staff listener is mapped to an action (`crate::api::access`).

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tamga_core::KeyId;

/// The accounts file in central's data directory.
pub const ACCOUNTS_FILE: &str = "accounts.json";

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// What a staff member is at headquarters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// Reconciliation staff: view, resolve discrepancies (a critical one's first signature).
    Reconciliation,
    /// A supervisor: as reconciliation staff, and the second signature of a critical one.
    Supervisor,
    /// An auditor: read-only; reports, exports, evidence packages, the audit trail.
    Auditor,
    /// An administrator: enrolls and revokes keys with central's registrar, manages accounts,
    /// reads the audit trail; sees no consignment.
    Administrator,
}

/// What a request does, as the role table judges it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// The overview, the vocabulary, the registry, nodes and refusals: what every role reads.
    Overview,
    /// Consignments and discrepancies, one by one or by filter.
    ViewConsignments,
    /// Sign a resolution (a critical one's first signature).
    Resolve,
    /// Give a critical resolution its second signature.
    Countersign,
    /// The KP and reconciliation reports, the Department's figures compared.
    Reports,
    /// EPCIS and CSV exports, evidence packages.
    Export,
    /// Read the audit trail.
    Audit,
    /// Enroll and revoke keys, the authority's lists.
    Enroll,
    /// Add, change and disable accounts.
    ManageAccounts,
}

impl StaffRole {
    /// The role's name as accounts and the API write it.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Reconciliation => "reconciliation",
            StaffRole::Supervisor => "supervisor",
            StaffRole::Auditor => "auditor",
            StaffRole::Administrator => "administrator",
        }
    }

    /// Reads a role's name.
    pub fn parse(text: &str) -> Result<StaffRole, String> {
        [
            StaffRole::Reconciliation,
            StaffRole::Supervisor,
            StaffRole::Auditor,
            StaffRole::Administrator,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
        .ok_or_else(|| {
            format!("{text:?} is not a role: reconciliation, supervisor, auditor or administrator")
        })
    }

    /// Whether this role may do `action`: the whole table.
    pub fn may(self, action: Action) -> bool {
        use Action::*;
        use StaffRole::*;
        match action {
            Overview => true,
            ViewConsignments => matches!(self, Reconciliation | Supervisor | Auditor),
            Resolve => matches!(self, Reconciliation | Supervisor),
            Countersign => self == Supervisor,
            Reports => matches!(self, Reconciliation | Supervisor | Auditor),
            Export => matches!(self, Supervisor | Auditor),
            Audit => matches!(self, Auditor | Administrator),
            Enroll | ManageAccounts => self == Administrator,
        }
    }

    /// Whether this role signs acts with a key of its own (and so needs one enrolled).
    pub fn signs(self) -> bool {
        matches!(self, StaffRole::Reconciliation | StaffRole::Supervisor)
    }
}

/// Checks that `key` is enrolled, now, in the registry role that `role` signs in: a
/// reconciliation account's as `central_staff`, a supervisor's as `supervisor` (so that the
/// account's role and the key's role say the same).
pub fn check_key(
    registry: &tamga_core::Registry,
    role: StaffRole,
    key: Option<&KeyId>,
    now: tamga_core::Timestamp,
) -> Result<(), AccountError> {
    let (Some(key), Some(wanted)) = (
        key,
        match role {
            StaffRole::Reconciliation => Some(tamga_core::Role::CentralStaff),
            StaffRole::Supervisor => Some(tamga_core::Role::Supervisor),
            _ => None,
        },
    ) else {
        return Ok(());
    };
    registry
        .enrollment_at(key, now, &[wanted])
        .map(|_| ())
        .map_err(|e| {
            AccountError::Invalid(format!(
                "key {}: {e}; a {} account's key is enrolled as {} (tamga-central enroll --role {})",
                key.fingerprint(),
                role.as_str(),
                wanted.as_str(),
                wanted.as_str()
            ))
        })
}

/// An account to add, as the CLI and the administrators' API send it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// The login name.
    pub username: String,
    /// The person's full name.
    pub name: String,
    /// Their personal number.
    pub personal_number: String,
    /// reconciliation, supervisor, auditor or administrator.
    pub role: String,
    /// Their signing key, for roles that sign.
    #[serde(default)]
    pub key: Option<String>,
    /// Their password.
    pub password: String,
}

/// One staff member's account.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The login name.
    pub username: String,
    /// The person's full name.
    pub name: String,
    /// Their personal number.
    pub personal_number: String,
    /// Their role.
    pub role: StaffRole,
    /// Their signing key (enrolled as `central_staff` or `supervisor`), for roles that sign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<KeyId>,
    /// The password's argon2id hash (PHC string).
    pub password_hash: String,
    /// The TOTP secret, hex.
    pub totp_secret: String,
    /// The last TOTP time step accepted (a code is accepted once).
    #[serde(default)]
    pub totp_last_step: u64,
    /// A disabled account cannot log in.
    #[serde(default)]
    pub disabled: bool,
    /// The account's handle for security keys (WebAuthn's user id), made when the first key is
    /// registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webauthn_user: Option<uuid::Uuid>,
    /// Security keys and passkeys registered (WebAuthn). An account with one logs in with it,
    /// no longer with a TOTP code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_keys: Vec<SecurityKey>,
}

/// One registered security key or passkey.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityKey {
    /// What its owner called it ("blue key", "office laptop").
    pub name: String,
    /// When it was registered.
    pub added: tamga_core::Timestamp,
    /// The credential: its id, public key and signature counter.
    pub credential: webauthn_rs::prelude::Passkey,
}

impl SecurityKey {
    /// A short, stable label of the credential for lists and the audit trail.
    pub fn label(&self) -> String {
        let id: &[u8] = self.credential.cred_id().as_ref();
        hex::encode(&id[..id.len().min(8)])
    }
}

/// Why an account operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// A field is wrong.
    #[error("{0}")]
    Invalid(String),
    /// The accounts file.
    #[error("{0}")]
    File(String),
}

/// What login checks, and why it failed (the same words for every failure reach the client).
#[derive(Debug, PartialEq, Eq)]
pub enum LoginFailure {
    /// No such account, or disabled.
    UnknownOrDisabled,
    /// The password does not match.
    WrongPassword,
    /// The second factor is missing or wrong, or was used already.
    WrongSecondFactor,
}

impl LoginFailure {
    /// The reason as the audit trail writes it.
    pub fn as_str(&self) -> &'static str {
        match self {
            LoginFailure::UnknownOrDisabled => "unknown_or_disabled",
            LoginFailure::WrongPassword => "wrong_password",
            LoginFailure::WrongSecondFactor => "wrong_second_factor",
        }
    }
}

fn hash_password(password: &str) -> Result<String, AccountError> {
    use argon2::password_hash::PasswordHasher;
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::Invalid(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AccountError::File(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::File(e.to_string()))
}

fn password_matches(hash: &str, password: &str) -> bool {
    use argon2::password_hash::{phc::PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

fn totp(secret_hex: &str, username: &str) -> Option<totp_rs::TOTP> {
    let secret = hex::decode(secret_hex).ok()?;
    totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        secret,
        Some("tamga".into()),
        username.replace(':', "_"),
    )
    .ok()
}

/// The TOTP step a `code` matches at `unix_seconds` (one step of skew either way), if any.
pub fn totp_step(secret_hex: &str, code: &str, unix_seconds: u64) -> Option<u64> {
    let t = totp(secret_hex, "x")?;
    let now = unix_seconds / 30;
    (now.saturating_sub(1)..=now + 1)
        .find(|step| tamga_node::local::same_token(code, &t.generate(step * 30)))
}

/// The code an authenticator shows at `unix_seconds` (tests and the demo).
pub fn totp_code(secret_hex: &str, unix_seconds: u64) -> String {
    totp(secret_hex, "x")
        .map(|t| t.generate(unix_seconds))
        .unwrap_or_default()
}

/// A new account's second factor, for the person to enter in their authenticator app.
#[derive(Debug, Serialize)]
pub struct Enrolment {
    /// The secret in base32, as typed into an app.
    pub secret_base32: String,
    /// The `otpauth://` URI, as a QR code carries it.
    pub uri: String,
}

/// The accounts, behind one lock, saved after each change.
pub struct Accounts {
    path: PathBuf,
    list: Mutex<Vec<Account>>,
}

impl Accounts {
    /// Opens the accounts of central's data directory `dir` (none yet is an empty list).
    pub fn open(dir: &Path) -> Result<Accounts, AccountError> {
        let path = dir.join(ACCOUNTS_FILE);
        let list = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                AccountError::File(format!("{} is not an accounts file: {e}", path.display()))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(AccountError::File(format!("{}: {e}", path.display()))),
        };
        Ok(Accounts {
            path,
            list: Mutex::new(list),
        })
    }

    fn save(&self, list: &[Account]) -> Result<(), AccountError> {
        let bytes = serde_json::to_vec_pretty(list).expect("serializes");
        tamga_node::files::write_atomic_private(&self.path, &bytes)
            .map_err(|e| AccountError::File(format!("{}: {e}", self.path.display())))
    }

    /// Every account, as listed (no secrets).
    pub fn list(&self) -> Vec<Account> {
        self.list.lock().expect("accounts lock").clone()
    }

    /// The account `username`, if any.
    pub fn get(&self, username: &str) -> Option<Account> {
        self.list
            .lock()
            .expect("accounts lock")
            .iter()
            .find(|a| a.username == username)
            .cloned()
    }

    /// Adds an account; returns its second factor's secret to hand to the person.
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &self,
        username: &str,
        name: &str,
        personal_number: &str,
        role: StaffRole,
        key: Option<KeyId>,
        password: &str,
    ) -> Result<Enrolment, AccountError> {
        let username = username.trim();
        if username.is_empty()
            || username.len() > 64
            || !username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(AccountError::Invalid(format!(
                "username {username:?}: 1 to 64 letters, digits, '.', '-' or '_'"
            )));
        }
        for (field, value) in [("name", name), ("personal number", personal_number)] {
            if value.trim().is_empty() || value.len() > 200 {
                return Err(AccountError::Invalid(format!(
                    "{field}: 1 to 200 characters"
                )));
            }
        }
        if role.signs() != key.is_some() {
            return Err(AccountError::Invalid(if role.signs() {
                format!("a {} signs with a key of their own: give --key (enrolled as central_staff or supervisor)", role.as_str())
            } else {
                format!("a {} signs nothing: give no key", role.as_str())
            }));
        }
        let mut secret = [0u8; 20];
        getrandom::fill(&mut secret).map_err(|e| AccountError::File(e.to_string()))?;
        let account = Account {
            username: username.to_owned(),
            name: name.trim().to_owned(),
            personal_number: personal_number.trim().to_owned(),
            role,
            key,
            password_hash: hash_password(password)?,
            totp_secret: hex::encode(secret),
            totp_last_step: 0,
            disabled: false,
            webauthn_user: None,
            security_keys: Vec::new(),
        };
        let t = totp(&account.totp_secret, username).expect("a 20-byte secret is valid");
        let enrolment = Enrolment {
            secret_base32: t.get_secret_base32(),
            uri: t.get_url(),
        };
        let mut list = self.list.lock().expect("accounts lock");
        if list.iter().any(|a| a.username == account.username) {
            return Err(AccountError::Invalid(format!(
                "account {username} exists already"
            )));
        }
        list.push(account);
        self.save(&list)?;
        Ok(enrolment)
    }

    /// Adds the account `new` describes, its key checked against `registry` at `now`
    /// ([`check_key`]); returns its second factor's secret to hand to the person.
    pub fn add_new(
        &self,
        registry: &tamga_core::Registry,
        new: &NewAccount,
        now: tamga_core::Timestamp,
    ) -> Result<Enrolment, AccountError> {
        let role = StaffRole::parse(&new.role).map_err(AccountError::Invalid)?;
        let key = match new.key.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(k) => Some(KeyId::new(k).map_err(|e| AccountError::Invalid(format!("key: {e}")))?),
        };
        check_key(registry, role, key.as_ref(), now)?;
        self.add(
            &new.username,
            &new.name,
            &new.personal_number,
            role,
            key,
            &new.password,
        )
    }

    /// Changes the account `username` with `change` and saves the accounts, unless `change`
    /// refuses (then nothing changes).
    pub fn update<T>(
        &self,
        username: &str,
        change: impl FnOnce(&mut Account) -> Result<T, AccountError>,
    ) -> Result<T, AccountError> {
        let mut list = self.list.lock().expect("accounts lock");
        let Some(index) = list.iter().position(|a| a.username == username) else {
            return Err(AccountError::Invalid(format!("no account {username}")));
        };
        let mut changed = list[index].clone();
        let answer = change(&mut changed)?;
        let before = std::mem::replace(&mut list[index], changed);
        if let Err(e) = self.save(&list) {
            list[index] = before;
            return Err(e);
        }
        Ok(answer)
    }

    /// Changes `username`'s password, given the current one.
    pub fn change_password(
        &self,
        username: &str,
        current: &str,
        new: &str,
    ) -> Result<(), AccountError> {
        let hash = hash_password(new)?;
        self.update(username, |a| {
            if !password_matches(&a.password_hash, current) {
                return Err(AccountError::Invalid(
                    "the current password is wrong: nothing was changed".into(),
                ));
            }
            if password_matches(&a.password_hash, new) {
                return Err(AccountError::Invalid(
                    "the new password is the current one: choose another".into(),
                ));
            }
            a.password_hash = hash;
            Ok(())
        })
    }

    /// Disables (or enables) an account.
    pub fn set_disabled(&self, username: &str, disabled: bool) -> Result<(), AccountError> {
        self.update(username, |a| {
            a.disabled = disabled;
            Ok(())
        })
    }

    /// Checks a login: the account, the password, then the second factor: the TOTP code (each
    /// once), or, for an account with security keys, none yet ([`LoginStep::SecurityKey`]: the
    /// key is asked for next, right password or not, and a code is not accepted in its place).
    pub fn login(
        &self,
        username: &str,
        password: &str,
        code: &str,
        unix_seconds: u64,
    ) -> Result<LoginStep, LoginFailure> {
        let mut list = self.list.lock().expect("accounts lock");
        let Some(a) = list
            .iter_mut()
            .find(|a| a.username == username && !a.disabled)
        else {
            // As long as a real check, so the time does not tell who has an account.
            let _ = password_matches(dummy_hash(), password);
            return Err(LoginFailure::UnknownOrDisabled);
        };
        let password_right = password_matches(&a.password_hash, password);
        if !a.security_keys.is_empty() {
            // Whether the password was right is told only after the key has answered, so the
            // answer here does not confirm a guessed password.
            return Ok(LoginStep::SecurityKey {
                account: a.clone(),
                password_right,
            });
        }
        if !password_right {
            return Err(LoginFailure::WrongPassword);
        }
        match totp_step(&a.totp_secret, code.trim(), unix_seconds) {
            Some(step) if step > a.totp_last_step => {
                a.totp_last_step = step;
                let account = a.clone();
                // A failure to save only means the code could be used again until restart.
                if let Err(e) = self.save(&list) {
                    tracing::warn!(error = %e, "the accounts file could not be saved after a login");
                }
                Ok(LoginStep::Done(account))
            }
            _ => Err(LoginFailure::WrongSecondFactor),
        }
    }
}

/// Where a login stands once the password is right.
#[derive(Debug)]
pub enum LoginStep {
    /// Logged in.
    Done(Account),
    /// The account has a security key, to be asked for next; whether the password was right
    /// is kept until then.
    SecurityKey {
        /// The account.
        account: Account,
        /// Whether the password was right.
        password_right: bool,
    },
}

/// An argon2id hash of nothing anyone types, checked for unknown accounts.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("no account has this password").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_table_gives_least_privilege() {
        use Action::*;
        use StaffRole::*;
        assert!(Reconciliation.may(Resolve) && !Reconciliation.may(Countersign));
        assert!(Supervisor.may(Countersign));
        assert!(!Auditor.may(Resolve) && Auditor.may(Export) && Auditor.may(Audit));
        assert!(!Administrator.may(ViewConsignments) && Administrator.may(Enroll));
        assert!(!Reconciliation.may(Enroll) && !Auditor.may(ManageAccounts));
    }

    #[test]
    fn a_password_changes_only_with_the_current_one() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = Accounts::open(dir.path()).unwrap();
        accounts
            .add(
                "a1",
                "A",
                "1",
                StaffRole::Auditor,
                None,
                "first password here",
            )
            .unwrap();
        let secret = accounts.get("a1").unwrap().totp_secret;
        let now = 1_800_000_000;
        assert!(accounts
            .change_password("a1", "not it at all", "second password here")
            .is_err());
        assert!(accounts
            .change_password("a1", "first password here", "short")
            .is_err());
        assert!(accounts
            .change_password("a1", "first password here", "first password here")
            .is_err());
        accounts
            .change_password("a1", "first password here", "second password here")
            .unwrap();
        let again = Accounts::open(dir.path()).unwrap();
        assert_eq!(
            again
                .login("a1", "first password here", &totp_code(&secret, now), now)
                .unwrap_err(),
            LoginFailure::WrongPassword
        );
        assert!(matches!(
            again.login("a1", "second password here", &totp_code(&secret, now), now),
            Ok(LoginStep::Done(_))
        ));
    }

    #[test]
    fn login_needs_the_password_and_a_fresh_code() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = Accounts::open(dir.path()).unwrap();
        accounts
            .add(
                "auditor1",
                "Asel Auditor",
                "HQ-300",
                StaffRole::Auditor,
                None,
                "correct horse battery",
            )
            .unwrap();
        assert!(accounts
            .add("x", "X", "1", StaffRole::Auditor, None, "short")
            .is_err());
        assert!(accounts
            .add(
                "r",
                "R",
                "2",
                StaffRole::Reconciliation,
                None,
                "long enough password"
            )
            .is_err());
        let a = accounts.get("auditor1").unwrap();
        let now = 1_800_000_000;
        let code = totp_code(&a.totp_secret, now);
        assert_eq!(
            accounts
                .login("auditor1", "wrong password!", &code, now)
                .unwrap_err(),
            LoginFailure::WrongPassword
        );
        assert_eq!(
            accounts
                .login("auditor1", "correct horse battery", "000000", now)
                .unwrap_err(),
            LoginFailure::WrongSecondFactor
        );
        assert_eq!(
            accounts
                .login("nobody", "correct horse battery", &code, now)
                .unwrap_err(),
            LoginFailure::UnknownOrDisabled
        );
        accounts
            .login("auditor1", "correct horse battery", &code, now)
            .unwrap();
        assert_eq!(
            accounts
                .login("auditor1", "correct horse battery", &code, now)
                .unwrap_err(),
            LoginFailure::WrongSecondFactor,
            "a code is accepted once"
        );
        // Kept across a restart, hash and all; disabled, no login.
        let again = Accounts::open(dir.path()).unwrap();
        let later = now + 60;
        again.set_disabled("auditor1", true).unwrap();
        assert_eq!(
            again
                .login(
                    "auditor1",
                    "correct horse battery",
                    &totp_code(&a.totp_secret, later),
                    later
                )
                .unwrap_err(),
            LoginFailure::UnknownOrDisabled
        );
        let text = std::fs::read_to_string(dir.path().join(ACCOUNTS_FILE)).unwrap();
        assert!(text.contains("$argon2id$") && !text.contains("correct horse"));
    }
}
