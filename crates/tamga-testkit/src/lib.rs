//! What tamga's tests share, in one place: the real `tamga-edge` and `tamga-central` binaries
//! ([`binaries`]), running commands and servers ([`process`]), free loopback ports ([`ports`]),
//! a small blocking HTTP/1.1 client ([`http`]) and the same over TLS as a node's peer
//! ([`peer`]), a router's API routes read from its source ([`routes`]), a wiretap that keeps what passes ([`tap`]), outside programs a test needs ([`tools`]), waiting for a condition ([`wait`]) and, with the
//! `webdriver` feature, a headless Chromium driven over WebDriver ([`webdriver`]).
//!
//! For tests only: a dev-dependency of `tamga-edge` and `tamga-central`, a dependency of the
//! dev-only `tamga-reliability`, and never a dependency of a node. Helpers that know the
//! reference story (enrollment, scenes) stay in each package's `tests/common`.

pub mod binaries;
pub mod http;
pub mod peer;
pub mod ports;
pub mod postgres;
pub mod process;
pub mod routes;
pub mod tap;
pub mod tools;
pub mod wait;
#[cfg(feature = "webdriver")]
pub mod webdriver;
