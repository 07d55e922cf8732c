//! Security keys (WebAuthn) as the staff's second factor, in a real browser over HTTPS: headless
//! Chromium trusting only the staff port's certificate key, with WebDriver's virtual
//! authenticator as the key, against a real `tamga-central`.
//!
//! An auditor logs in with their TOTP code and registers a key on their account page; from then
//! on the password alone opens no session and a right TOTP code is not accepted in the key's
//! place; the login form asks for the key and the key logs them in. A key's answer works once:
//! replayed on its own login or on another login's challenge, it is refused. When the key is
//! lost, an administrator removes it and the TOTP code logs in again. A password changes only
//! given the current one. An administrator adds an account on the accounts page and disables it.
//! The audit trail has the registration, the key logins, the refusals and the password change.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver`; without them the test says so and
//! passes, unless `TAMGA_BROWSER_TEST=required`.

mod common;

use common::staff::{
    add_account, browser_login, browser_logout, code_of, staff_base, trust_flag, Staff, PASSWORD,
};
use common::*;
use serde_json::{json, Value};
use std::path::Path;
use tamga_testkit::webdriver::{
    add_virtual_authenticator, click_css, find, remove_virtual_authenticator, run_browser_test,
    tools_present, type_into, wait_attr, wait_text, Client,
};

#[test]
fn a_security_key_replaces_the_code_works_once_per_challenge_and_can_be_reset() {
    if !tools_present() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let hq = root.path().join("hq");
    init_central(&hq);
    let (_central, _) = serve(&hq);
    add_account(&hq, "audit", "auditor", None);
    add_account(&hq, "admin", "administrator", None);
    let base = staff_base(&hq);
    let trust = trust_flag(&hq);
    run_browser_test(root.path(), "keys", &[trust], |c, driver_port| async move {
        steps(&c, driver_port, &base, &hq).await
    });
}

/// The browser's key answers the challenge of a fresh login with `password`; the answer is
/// handed back, unused.
async fn key_answer(c: &Client, password: &str) -> (String, Value) {
    let script = r#"
        const [password, done] = arguments;
        (async () => {
          const r = await fetch("/api/login", { method: "POST", headers: { "content-type": "application/json" },
            body: JSON.stringify({ username: "audit", password, code: "" }) });
          const asked = await r.json();
          const credential = await securityKeys.get(asked.options);
          done({ login: asked.login, credential });
        })().catch((e) => done({ error: String(e) }));
    "#;
    let got = c
        .execute_async(script, vec![json!(password)])
        .await
        .unwrap();
    assert!(got.get("error").is_none(), "the key did not answer: {got}");
    (
        got["login"].as_str().unwrap().to_owned(),
        got["credential"].clone(),
    )
}

async fn steps(c: &Client, driver_port: u16, base: &str, hq: &Path) {
    let key = add_virtual_authenticator(c, driver_port).await;
    c.goto(&format!("{base}/")).await.unwrap();
    c.execute("localStorage.setItem('tamga-central-lang', 'en');", vec![])
        .await
        .unwrap();
    c.refresh().await.unwrap();

    // --- With the TOTP code, then a key registered on the account page.
    browser_login(c, hq, "audit").await;
    click_css(c, "[data-test=who]").await;
    find(c, "[data-test=key-register]").await;
    type_into(c, "[data-test=key-name]", "blue key").await;
    click_css(c, "[data-test=key-register-submit]").await;
    wait_text(c, "[data-test=security-key]", "blue key").await;
    browser_logout(c).await;

    // --- The password alone opens no session, and a right code is not taken for the key.
    let mut api = Staff::new(hq);
    let answer = api.login("audit", PASSWORD, &code_of(hq, "audit", 1));
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.json()["second_factor"], "security_key");
    assert!(answer.header("set-cookie").is_none(), "no session yet");
    assert!(api.cookie.is_none());
    assert_eq!(api.get("/api/session").status, 401);

    // --- The login form asks for the key after the password; the key logs in.
    find(c, "[data-test=login]").await;
    type_into(c, "[data-test=login-username]", "audit").await;
    type_into(c, "[data-test=login-password]", PASSWORD).await;
    click_css(c, "[data-test=login-submit]").await;
    wait_attr(c, "[data-test=who]", "data-role", "auditor").await;

    // --- A key's answer works once, and only for its own challenge.
    let (login, credential) = key_answer(c, PASSWORD).await;
    let (other_login, _) = key_answer(c, PASSWORD).await;
    let mut thief = Staff::new(hq);
    let replayed = thief.login_with_key(&other_login, &credential);
    assert_eq!(
        replayed.status,
        401,
        "an answer to another challenge: {}",
        replayed.text()
    );
    let mut owner = Staff::new(hq);
    let first = owner.login_with_key(&login, &credential);
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(owner.get("/api/session").json()["role"], "auditor");
    let again = thief.login_with_key(&login, &credential);
    assert_eq!(again.status, 401, "the same answer twice: {}", again.text());
    assert!(thief.cookie.is_none());
    let forged = thief.login_with_key(&login, &json!({"id": "x", "rawId": "eA", "type": "public-key", "response": {"authenticatorData": "", "clientDataJSON": "", "signature": ""}}));
    assert!(
        forged.status == 401 || forged.status == 400,
        "{}",
        forged.text()
    );

    // --- A wrong password is asked for the key too (the answer confirms no guess), and refused
    // once the key has answered.
    let (guessed, answer) = key_answer(c, "a guessed password!").await;
    let refused = thief.login_with_key(&guessed, &answer);
    assert_eq!(refused.status, 401, "{}", refused.text());
    assert!(thief.cookie.is_none());

    // --- The key is lost: an administrator removes it, and the code logs in again.
    remove_virtual_authenticator(c, driver_port, &key).await;
    let mut admin = Staff::new(hq);
    assert_eq!(
        admin
            .login("admin", PASSWORD, &code_of(hq, "admin", 0))
            .status,
        200
    );
    let denied = owner.post("/api/accounts/audit/remove-security-keys", &json!({}));
    assert_eq!(denied.status, 403, "an auditor may not reset keys");
    let reset = admin.post("/api/accounts/audit/remove-security-keys", &json!({}));
    assert_eq!(reset.status, 200, "{}", reset.text());
    assert_eq!(reset.json()["removed"], 1);
    assert_eq!(
        owner.get("/api/session").status,
        401,
        "the reset ends the person's sessions"
    );
    let mut back = Staff::new(hq);
    let answer = back.login("audit", PASSWORD, &code_of(hq, "audit", 1));
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(back.cookie.is_some(), "the code opens a session again");

    // --- A new password, given the current one; the old one no longer logs in.
    let wrong = back.post(
        "/api/account/password",
        &json!({"current": "not the password", "new": "a brand new passphrase"}),
    );
    assert_eq!(wrong.status, 400, "{}", wrong.text());
    let changed = back.post(
        "/api/account/password",
        &json!({"current": PASSWORD, "new": "a brand new passphrase"}),
    );
    assert_eq!(changed.status, 200, "{}", changed.text());
    let old = Staff::new(hq).login("audit", PASSWORD, &code_of(hq, "audit", 2));
    assert_eq!(old.status, 401);

    // --- An administrator adds an account on the accounts page, then disables it.
    c.goto(&format!("{base}/")).await.unwrap();
    type_into(c, "[data-test=login-username]", "admin").await;
    type_into(c, "[data-test=login-password]", PASSWORD).await;
    type_into(c, "[data-test=login-code]", &code_of(hq, "admin", 1)).await;
    click_css(c, "[data-test=login-submit]").await;
    wait_attr(c, "[data-test=who]", "data-role", "administrator").await;
    click_css(c, "[data-test=nav-accounts]").await;
    find(c, "[data-test=account-add]").await;
    type_into(c, "[data-test=account-username]", "auditor2").await;
    type_into(c, "[data-test=account-name]", "Aigerim Auditor").await;
    type_into(c, "[data-test=account-personal_number]", "HQ-301").await;
    tamga_testkit::webdriver::select(c, "[data-test=account-role]", "auditor").await;
    type_into(c, "[data-test=account-password]", "the first passphrase").await;
    click_css(c, "[data-test=account-add-submit]").await;
    let secret = wait_text(c, "[data-test=account-secret]", "otpauth://").await;
    assert!(secret.contains("auditor2"), "{secret}");
    wait_attr(
        c,
        "[data-test=account][data-username=auditor2]",
        "data-disabled",
        "false",
    )
    .await;
    c.execute("window.confirm = () => true;", vec![])
        .await
        .unwrap();
    click_css(
        c,
        "[data-test=account][data-username=auditor2] [data-test=account-disable]",
    )
    .await;
    wait_attr(
        c,
        "[data-test=account][data-username=auditor2]",
        "data-disabled",
        "true",
    )
    .await;
    let listed = admin.get("/api/accounts").json();
    let auditor2 = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "auditor2")
        .cloned()
        .unwrap();
    assert_eq!(auditor2["disabled"], true);
    assert_eq!(auditor2["role"], "auditor");

    // --- The audit trail has it all.
    let trail = back.get("/api/audit").json();
    let lines = trail["lines"].as_array().unwrap();
    let has = |action: &str, outcome: &str| {
        lines.iter().any(|l| {
            l["action"] == action
                && l["username"] == "audit"
                && l["outcome"].as_str().unwrap_or("").starts_with(outcome)
        })
    };
    assert!(has("security_key_added", "ok"), "{trail}");
    assert!(has("login", "ok security_key"), "{trail}");
    assert!(has("login_failed", "wrong_security_key"), "{trail}");
    assert!(has("login_failed", "wrong_password"), "{trail}");
    assert!(has("password_changed", "ok"), "{trail}");
    assert!(
        lines.iter().any(|l| l["action"] == "login_failed"
            && l["outcome"] == "security_key_unknown_or_expired_login"),
        "the replay on a used login: {trail}"
    );
    assert!(
        lines.iter().any(|l| l["action"] == "account"
            && l["username"] == "admin"
            && l["subject"]
                .as_str()
                .unwrap_or("")
                .contains("remove-security-keys")),
        "{trail}"
    );
}
