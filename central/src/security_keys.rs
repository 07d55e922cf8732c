//! Security keys and passkeys (WebAuthn, through webauthn-rs) as headquarters staff's second
//! factor: a staff member registers one from their own logged-in session, and from then on
//! their login asks for it after the password (a TOTP code no longer does instead).
//!
//! A ceremony's state is kept here, in memory, for [`CEREMONY`] and used once: a login's under a
//! random token handed to the browser with the challenge, a registration's under the account's
//! name. The credentials themselves are kept with the account (`crate::accounts`), their
//! signature counters updated at each login. The relying party is the staff port's host name
//! (`staff_rp_id` in the configuration, else the first of `staff_tls_names`, else `localhost`),
//! on any port: a browser that opened the dashboard by another name or by IP address cannot use
//! a key, and is told which name to open.

use crate::accounts::{Account, AccountError, Accounts, SecurityKey};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tamga_core::Timestamp;
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url, Uuid,
    Webauthn, WebauthnBuilder,
};

/// How long a login or a registration waits for the key.
pub const CEREMONY: Duration = Duration::from_secs(120);

/// Ceremonies waiting at once, at most (older ones are dropped first).
const MAX_PENDING: usize = 1024;

/// Keys one account may have.
pub const MAX_KEYS: usize = 8;

/// Why a key login failed; the client hears the same words for each.
#[derive(Debug)]
pub struct KeyLoginFailed {
    /// The account the login was for, if the token was known.
    pub username: String,
    /// What went wrong, for the audit trail.
    pub reason: &'static str,
}

struct Pending<T> {
    state: T,
    username: String,
    started: Instant,
    /// For a login: whether the password before it was right.
    password_right: bool,
}

/// Keeps `pending` under `key`, dropping expired ceremonies and, at the cap, the oldest.
fn keep<T>(map: &Mutex<HashMap<String, Pending<T>>>, key: String, pending: Pending<T>) {
    let mut map = map.lock().expect("ceremonies lock");
    map.retain(|_, p| p.started.elapsed() < CEREMONY);
    if map.len() >= MAX_PENDING {
        if let Some(oldest) = map
            .iter()
            .min_by_key(|(_, p)| p.started)
            .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
    }
    map.insert(key, pending);
}

/// Takes the ceremony under `key` out (it is used once), if it has not expired.
fn take<T>(map: &Mutex<HashMap<String, Pending<T>>>, key: &str) -> Option<Pending<T>> {
    map.lock()
        .expect("ceremonies lock")
        .remove(key)
        .filter(|p| p.started.elapsed() < CEREMONY)
}

/// The relying party and the ceremonies under way.
pub struct SecurityKeys {
    webauthn: Webauthn,
    rp_id: String,
    logins: Mutex<HashMap<String, Pending<PasskeyAuthentication>>>,
    registrations: Mutex<HashMap<String, Pending<PasskeyRegistration>>>,
}

/// The relying party's id for `config`: `staff_rp_id`, else the first name in
/// `staff_tls_names` that is not an address, else `localhost`.
pub fn rp_id_of(config: &crate::config::Config) -> String {
    config
        .staff_rp_id
        .clone()
        .or_else(|| {
            config
                .staff_tls_names
                .iter()
                .find(|n| n.parse::<std::net::IpAddr>().is_err())
                .cloned()
        })
        .unwrap_or_else(|| "localhost".to_owned())
}

impl SecurityKeys {
    /// The relying party `rp_id` (a host name), served on any port over HTTPS.
    pub fn new(rp_id: &str) -> Result<SecurityKeys, String> {
        let origin = Url::parse(&format!("https://{rp_id}"))
            .map_err(|e| format!("staff_rp_id {rp_id:?} is not a host name: {e}"))?;
        let webauthn = WebauthnBuilder::new(rp_id, &origin)
            .and_then(|b| b.rp_name("tamga").allow_any_port(true).build())
            .map_err(|e| format!("staff_rp_id {rp_id:?} cannot serve security keys: {e}"))?;
        Ok(SecurityKeys {
            webauthn,
            rp_id: rp_id.to_owned(),
            logins: Mutex::new(HashMap::new()),
            registrations: Mutex::new(HashMap::new()),
        })
    }

    /// The host name staff must open the dashboard by to use a key.
    pub fn rp_id(&self) -> &str {
        &self.rp_id
    }

    /// Begins the key step of `account`'s login: the challenge for the browser, and the token
    /// that names this login in [`SecurityKeys::finish_login`]. A wrong password is asked for
    /// the key too (`password_right` false), and refused only after it has answered.
    pub fn begin_login(
        &self,
        account: &Account,
        password_right: bool,
    ) -> Result<(String, RequestChallengeResponse), String> {
        let credentials: Vec<Passkey> = account
            .security_keys
            .iter()
            .map(|k| k.credential.clone())
            .collect();
        let (challenge, state) = self
            .webauthn
            .start_passkey_authentication(&credentials)
            .map_err(|e| format!("the security key login could not begin: {e}"))?;
        let mut token = [0u8; 24];
        getrandom::fill(&mut token).map_err(|e| e.to_string())?;
        let token = hex::encode(token);
        keep(
            &self.logins,
            token.clone(),
            Pending {
                state,
                username: account.username.clone(),
                started: Instant::now(),
                password_right,
            },
        );
        Ok((token, challenge))
    }

    /// Finishes the login `token` names with the key's signed answer: the account, its key's
    /// counter advanced, if the answer is its key's over this challenge (one try per challenge).
    pub fn finish_login(
        &self,
        accounts: &Accounts,
        token: &str,
        answer: &PublicKeyCredential,
    ) -> Result<Account, KeyLoginFailed> {
        let Some(pending) = take(&self.logins, token) else {
            return Err(KeyLoginFailed {
                username: String::new(),
                reason: "security_key_unknown_or_expired_login",
            });
        };
        let failed = |reason| KeyLoginFailed {
            username: pending.username.clone(),
            reason,
        };
        let result = self
            .webauthn
            .finish_passkey_authentication(answer, &pending.state)
            .map_err(|e| {
                tracing::info!(username = %pending.username, error = %e, "a security key's answer was refused");
                failed("wrong_security_key")
            })?;
        if !pending.password_right {
            return Err(failed("wrong_password"));
        }
        accounts
            .update(&pending.username, |a| {
                if a.disabled {
                    return Err(AccountError::Invalid("disabled".into()));
                }
                let mut known = false;
                for key in &mut a.security_keys {
                    known |= key.credential.update_credential(&result).is_some();
                }
                if !known {
                    return Err(AccountError::Invalid("key removed".into()));
                }
                Ok(a.clone())
            })
            .map_err(|_| failed("unknown_or_disabled"))
    }

    /// Begins registering a new key for `username` (logged in): the challenge for the browser.
    pub fn begin_registration(
        &self,
        accounts: &Accounts,
        username: &str,
    ) -> Result<CreationChallengeResponse, AccountError> {
        let account = accounts.update(username, |a| {
            if a.security_keys.len() >= MAX_KEYS {
                return Err(AccountError::Invalid(format!(
                    "an account has at most {MAX_KEYS} security keys: ask an administrator to remove them"
                )));
            }
            a.webauthn_user.get_or_insert_with(Uuid::new_v4);
            Ok(a.clone())
        })?;
        let exclude = account
            .security_keys
            .iter()
            .map(|k| k.credential.cred_id().clone())
            .collect::<Vec<_>>();
        let (challenge, state) = self
            .webauthn
            .start_passkey_registration(
                account.webauthn_user.unwrap_or_else(Uuid::new_v4),
                &account.username,
                &account.name,
                Some(exclude),
            )
            .map_err(|e| AccountError::Invalid(format!("registration could not begin: {e}")))?;
        keep(
            &self.registrations,
            username.to_owned(),
            Pending {
                state,
                username: username.to_owned(),
                started: Instant::now(),
                password_right: true,
            },
        );
        Ok(challenge)
    }

    /// Finishes registering `username`'s new key `name` with the browser's `answer`.
    pub fn finish_registration(
        &self,
        accounts: &Accounts,
        username: &str,
        name: &str,
        answer: &RegisterPublicKeyCredential,
    ) -> Result<SecurityKey, AccountError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(AccountError::Invalid(
                "name the key (1 to 64 characters), to tell it from your others".into(),
            ));
        }
        let pending = take(&self.registrations, username).ok_or_else(|| {
            AccountError::Invalid(format!(
                "no registration is waiting (they last {} s): begin again",
                CEREMONY.as_secs()
            ))
        })?;
        let credential = self
            .webauthn
            .finish_passkey_registration(answer, &pending.state)
            .map_err(|e| {
                AccountError::Invalid(format!("the key's answer was not accepted: {e}"))
            })?;
        let taken = accounts.list().iter().any(|a| {
            a.security_keys
                .iter()
                .any(|k| k.credential.cred_id() == credential.cred_id())
        });
        if taken {
            return Err(AccountError::Invalid(
                "this key is registered already".into(),
            ));
        }
        let key = SecurityKey {
            name: name.to_owned(),
            added: Timestamp::now(),
            credential,
        };
        accounts.update(&pending.username, |a| {
            if a.security_keys.len() >= MAX_KEYS {
                return Err(AccountError::Invalid(format!(
                    "an account has at most {MAX_KEYS} security keys"
                )));
            }
            a.security_keys.push(key.clone());
            Ok(())
        })?;
        Ok(key)
    }

    /// Removes every key of `username` (an administrator's reset, for a lost key): the account
    /// logs in with its TOTP code again. Returns how many were removed.
    pub fn remove_all(&self, accounts: &Accounts, username: &str) -> Result<usize, AccountError> {
        self.registrations
            .lock()
            .expect("ceremonies lock")
            .remove(username);
        accounts.update(username, |a| Ok(std::mem::take(&mut a.security_keys).len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relying_party_is_a_host_name() {
        assert!(SecurityKeys::new("localhost").is_ok());
        assert!(SecurityKeys::new("tamga.customs.kg").is_ok());
        assert!(SecurityKeys::new("not a name").is_err());
    }

    #[test]
    fn a_ceremony_is_used_once_and_expires() {
        let map = Mutex::new(HashMap::new());
        let pending = |started| Pending {
            state: (),
            username: "a".into(),
            started,
            password_right: true,
        };
        keep(&map, "t".into(), pending(Instant::now()));
        assert!(take(&map, "t").is_some());
        assert!(take(&map, "t").is_none(), "a second use is refused");
        if let Some(old) = Instant::now().checked_sub(CEREMONY + Duration::from_secs(1)) {
            map.lock().unwrap().insert("old".into(), pending(old));
            assert!(
                take(&map, "old").is_none(),
                "an expired ceremony is refused"
            );
        }
    }

    #[test]
    fn waiting_ceremonies_are_bounded() {
        let map = Mutex::new(HashMap::new());
        for i in 0..MAX_PENDING + 10 {
            keep(
                &map,
                i.to_string(),
                Pending {
                    state: (),
                    username: "a".into(),
                    started: Instant::now(),
                    password_right: true,
                },
            );
        }
        assert_eq!(map.lock().unwrap().len(), MAX_PENDING);
    }
}
