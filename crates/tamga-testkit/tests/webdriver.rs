//! The WebDriver helpers against a small page of their own, in the real headless Chromium
//! (skipped without it unless `TAMGA_BROWSER_TEST=required`; run with `--features webdriver`).

use tamga_testkit::webdriver::{self, Client, Locator};

const PAGE: &str = r##"<!doctype html><html><body>
<header><nav><a data-test="home" href="#">home</a></nav></header>
<select id="lang"></select>
<input id="name">
<button id="go">go</button>
<p id="out" data-state="idle"></p>
<ul><li class="i">one</li><li class="i">two</li></ul>
<script>
  // The options come a moment after the select.
  setTimeout(() => { document.getElementById('lang').innerHTML =
    '<option value="en">en</option><option value="ru">ru</option>'; }, 300);
  document.getElementById('go').addEventListener('click', () => {
    const out = document.getElementById('out');
    out.dataset.state = 'done';
    out.textContent = 'hello ' + document.getElementById('name').value +
      ' in ' + document.getElementById('lang').value;
  });
</script></body></html>"##;

#[test]
fn the_helpers_drive_a_page() {
    if !webdriver::tools_present() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let page = root.path().join("page.html");
    std::fs::write(&page, PAGE).unwrap();
    webdriver::run_browser_test(root.path(), "helpers", &[], |c, _| async move {
        steps(&c, &page).await
    });
}

async fn steps(c: &Client, page: &std::path::Path) {
    webdriver::goto(
        c,
        &format!("file://{}", page.display()),
        "nav a[data-test=home]",
    )
    .await;
    webdriver::type_into(c, "#name", "Aibek").await;
    assert_eq!(webdriver::value_of(c, "#name").await, "Aibek");
    webdriver::select(c, "#lang", "ru").await;
    webdriver::click_css(c, "#go").await;
    let out = webdriver::wait_attr(c, "#out", "data-state", "done").await;
    assert_eq!(out.text().await.unwrap(), "hello Aibek in ru");
    assert_eq!(
        webdriver::wait_text(c, "#out", "Aibek").await,
        "hello Aibek in ru"
    );
    assert_eq!(
        webdriver::visible_text(c, "#out").await,
        "hello Aibek in ru"
    );
    assert_eq!(webdriver::texts(c, "li.i").await, ["one", "two"]);
    assert!(webdriver::page_text(c).await.contains("two"));
    let button = webdriver::find(c, "#go").await;
    webdriver::click(c, &button).await;
    assert!(c.find(Locator::Css("#nothing")).await.is_err());
}
