//! Outside programs a test needs (Chromium, gpsd, ...): present, or the test is skipped saying
//! so, unless an environment variable makes it required (CI sets them).

use std::path::Path;

/// Whether every program in `paths` is installed. When one is not: panics if the variable
/// `required_by` is `required`, else says on standard error that the `what` test is skipped
/// and how to install them (`install`, a Debian command).
pub fn present(what: &str, required_by: &str, paths: &[&str], install: &str) -> bool {
    let required = std::env::var(required_by).as_deref() == Ok("required");
    let missing: Vec<&str> = paths
        .iter()
        .copied()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "{what} test skipped: {} not found (Debian: {install})",
        missing.join(" and ")
    );
    assert!(!required, "{message}, and {required_by}=required");
    eprintln!("{message}");
    false
}
