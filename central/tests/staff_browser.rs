//! Headquarters staff in a real browser over HTTPS: headless Chromium trusting only the staff
//! port's certificate key (by its SPKI hash), against a real `tamga-central` and a real post
//! that synced a damaged seal (a critical discrepancy).
//!
//! A wrong password and a missing second factor are refused on the login form; reconciliation
//! staff log in and sign the resolution first, naming the supervisor, and it stays pending; an
//! auditor, logged in next, gets no resolution form (the API refuses one: `staff_access.rs`);
//! the supervisor countersigns and it is resolved; an administrator enrolls a device key from
//! the registry page; the audit trail page shows each of these.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver`; without them the test says so and
//! passes, unless `TAMGA_BROWSER_TEST=required`.

mod common;

use common::staff::{add_account, code_of, staff_base, trust_flag, PASSWORD};
use common::*;
use tamga_core::act::SealState;
use tamga_testkit::webdriver::{
    click_css, find, run_browser_test, tools_present, type_into, wait_attr, wait_text, Client,
};

const PIN: &str = "staff-pin-2026";

#[test]
fn staff_log_in_over_https_and_two_people_close_a_critical_discrepancy_in_the_browser() {
    if !tools_present() {
        return;
    }
    let scene = Scene::new(|_| {});
    let story = &scene.story;
    let damaged = story.seal_checked(60, SealState::Damaged);
    scene.record_at_post(&[damaged]).expect("recorded");
    scene.sync();
    scene.wait_for_acts(7);
    import_staff(&scene.hq, story, PIN);
    add_account(
        &scene.hq,
        "recon",
        "reconciliation",
        Some(story.central_staff.id.as_str()),
    );
    add_account(
        &scene.hq,
        "super",
        "supervisor",
        Some(story.supervisor.id.as_str()),
    );
    add_account(&scene.hq, "audit", "auditor", None);
    add_account(&scene.hq, "admin", "administrator", None);
    let base = staff_base(&scene.hq);
    let trust = trust_flag(&scene.hq);

    let dir = scene.root.path().to_owned();
    run_browser_test(&dir, "staff", &[trust], |c, _| async move {
        steps(&c, &base, &scene).await
    });
}

async fn login(c: &Client, username: &str, password: &str, code: &str) {
    find(c, "[data-test=login]").await;
    type_into(c, "[data-test=login-username]", username).await;
    type_into(c, "[data-test=login-password]", password).await;
    type_into(c, "[data-test=login-code]", code).await;
    click_css(c, "[data-test=login-submit]").await;
}

async fn logout(c: &Client) {
    click_css(c, "[data-test=logout]").await;
    find(c, "[data-test=login]").await;
}

async fn steps(c: &Client, base: &str, scene: &Scene) {
    let hq = &scene.hq;
    let story = &scene.story;
    c.goto(&format!("{base}/")).await.unwrap();
    c.execute("localStorage.setItem('tamga-central-lang', 'en');", vec![])
        .await
        .unwrap();
    c.refresh().await.unwrap();

    // --- Refused: a wrong password; the right password without the second factor.
    login(c, "recon", "not the password", &code_of(hq, "recon", 0)).await;
    wait_text(
        c,
        "[data-test=login-error]",
        "wrong user name, password or code",
    )
    .await;
    login(c, "recon", PASSWORD, "").await;
    wait_text(
        c,
        "[data-test=login-error]",
        "wrong user name, password or code",
    )
    .await;

    // --- Reconciliation staff sign first, naming the supervisor: pending.
    login(c, "recon", PASSWORD, &code_of(hq, "recon", 0)).await;
    wait_attr(c, "[data-test=who]", "data-role", "reconciliation").await;
    c.goto(&format!("{base}/#/discrepancies")).await.unwrap();
    let card = "[data-test=discrepancy][data-kind=seal_damaged]";
    click_css(c, &format!("{card} details[data-test=resolve] summary")).await;
    find(c, &format!("{card} [data-test=two-person-note]")).await;
    find(c, &format!("{card} [data-test=resolve-supervisor]"))
        .await
        .select_by_value(story.supervisor.id.as_str())
        .await
        .unwrap();
    type_into(c, &format!("{card} [data-test=resolve-pin]"), PIN).await;
    type_into(
        c,
        &format!("{card} [data-test=resolve-reason]"),
        "Bag replaced at the Department; report HQ-2026-140.",
    )
    .await;
    click_css(c, &format!("{card} [data-test=resolve-submit]")).await;
    wait_text(c, "main > .page > [data-test=resolve-done]", "awaiting").await;
    wait_attr(c, card, "data-state", "pending").await;
    logout(c).await;

    // --- An auditor: read-only, no resolution form; no countersignature either.
    login(c, "audit", PASSWORD, &code_of(hq, "audit", 0)).await;
    wait_attr(c, "[data-test=who]", "data-role", "auditor").await;
    c.goto(&format!("{base}/#/discrepancies?state=all"))
        .await
        .unwrap();
    wait_attr(c, card, "data-state", "pending").await;
    assert!(c
        .find_all(tamga_testkit::webdriver::Locator::Css(&format!(
            "{card} [data-test=countersign]"
        )))
        .await
        .unwrap()
        .is_empty());
    logout(c).await;

    // --- The supervisor countersigns: resolved by two.
    login(c, "super", PASSWORD, &code_of(hq, "super", 0)).await;
    wait_attr(c, "[data-test=who]", "data-role", "supervisor").await;
    c.goto(&format!("{base}/#/discrepancies")).await.unwrap();
    click_css(c, &format!("{card} details[data-test=countersign] summary")).await;
    type_into(c, &format!("{card} [data-test=countersign-pin]"), PIN).await;
    click_css(c, &format!("{card} [data-test=countersign-submit]")).await;
    wait_text(c, "main > .page > [data-test=resolve-done]", "Resolved").await;
    logout(c).await;

    // --- An administrator enrolls a device key from the registry page.
    login(c, "admin", PASSWORD, &code_of(hq, "admin", 0)).await;
    wait_attr(c, "[data-test=who]", "data-role", "administrator").await;
    c.goto(&format!("{base}/#/registry")).await.unwrap();
    click_css(c, "[data-test=enroll-box] summary").await;
    let device = tamga_core::signing::key_id(&tamga_core::fixtures::key("a new vehicle tablet"));
    type_into(c, "[data-test=enroll-key]", device.as_str()).await;
    type_into(c, "[data-test=enroll-unit]", "ESCORT-BISHKEK").await;
    type_into(c, "[data-test=enroll-name]", "escort vehicle tablet 02").await;
    click_css(c, "[data-test=enroll-submit]").await;
    wait_text(c, "[data-test=enroll-done]", "escort vehicle tablet 02").await;

    // --- In Kyrgyz: the header, the navigation and a discrepancy's kind.
    c.goto(&format!("{base}/#/discrepancies?state=all"))
        .await
        .unwrap();
    click_css(c, "button[data-lang=ky]").await;
    wait_text(c, "header nav a[data-test=nav-consignments]", "Жүктөр").await;
    wait_text(c, "[data-test=logout]", "Чыгуу").await;
    wait_text(c, "main", "пломба бузулган").await;
    click_css(c, "button[data-lang=en]").await;
    wait_text(c, "[data-test=logout]", "Log out").await;

    // --- The audit trail shows each of these.
    c.goto(&format!("{base}/#/audit")).await.unwrap();
    wait_text(c, "[data-test=audit-chain]", "intact").await;
    for (action, username) in [
        ("login_failed", "recon"),
        ("login", "recon"),
        ("resolve", "recon"),
        ("logout", "recon"),
        ("login", "audit"),
        ("countersign", "super"),
        ("enroll", "admin"),
    ] {
        find(
            c,
            &format!("[data-test=audit-line][data-action={action}][data-username={username}]"),
        )
        .await;
    }
    // In Russian, the trail's actions and outcomes are words too.
    click_css(c, "button[data-lang=ru]").await;
    wait_text(
        c,
        "[data-test=audit-line][data-action=countersign][data-username=super]",
        "вторая подпись",
    )
    .await;
    let refused = wait_text(
        c,
        "[data-test=audit-line][data-action=login_failed][data-username=recon]",
        "вход отклонён",
    )
    .await;
    assert!(refused.contains("неверный"), "{refused}");
}
