//! The real `tamga-edge` and `tamga-central` binaries, found where cargo put them: in the target
//! directory beside the running test executable (`target/<profile>/deps/<test>` →
//! `target/<profile>/tamga-edge`), or at the path named by `TAMGA_EDGE_BIN` /
//! `TAMGA_CENTRAL_BIN`.
//!
//! Tests never build them: `cargo test --workspace` builds every package's binaries before it
//! runs any test, and a narrower run needs `cargo build -p tamga-edge -p tamga-central` first
//! (with the same profile and `CARGO_TARGET_DIR`). A missing binary panics naming that command.
//! A binary left from an older build is used as it is: build before testing.
//!
//! A package's own binary is best taken from cargo (`env!("CARGO_BIN_EXE_tamga-edge")`), which
//! is always fresh; these are for the other package's binary and for the reliability suite.

use std::path::{Path, PathBuf};

/// The two binaries under test.
#[derive(Clone, Debug)]
pub struct Binaries {
    /// `tamga-edge`.
    pub edge: PathBuf,
    /// `tamga-central`.
    pub central: PathBuf,
}

/// Both binaries ([`edge`], [`central`]).
pub fn binaries() -> Binaries {
    Binaries {
        edge: edge(),
        central: central(),
    }
}

/// `tamga-edge`: `TAMGA_EDGE_BIN`, or beside the test executable.
pub fn edge() -> PathBuf {
    find("tamga-edge", "TAMGA_EDGE_BIN")
}

/// `tamga-central`: `TAMGA_CENTRAL_BIN`, or beside the test executable.
pub fn central() -> PathBuf {
    find("tamga-central", "TAMGA_CENTRAL_BIN")
}

/// The directory cargo puts a profile's binaries in: the running executable's `deps/..`.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let dir = exe.parent().expect("the test executable is in a directory");
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.parent().unwrap_or(dir).to_path_buf()
    } else {
        dir.to_path_buf()
    }
}

/// The command that builds the binaries for the profile in `profile_dir`.
pub fn build_command(profile_dir: &Path) -> String {
    let release = if profile_dir.file_name().is_some_and(|n| n == "release") {
        " --release"
    } else {
        ""
    };
    format!("cargo build{release} -p tamga-edge -p tamga-central")
}

fn find(name: &str, variable: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(variable).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "{variable}={} names no file: unset it, or point it at a built {name}",
            path.display()
        );
        return path;
    }
    locate(&profile_dir(), name, variable)
}

/// `name` in `dir`, or a panic saying how to build it.
pub fn locate(dir: &Path, name: &str, variable: &str) -> PathBuf {
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is missing: run `{}` first (with the same CARGO_TARGET_DIR; `cargo test --workspace` \
         builds it too), or set {variable} to a built {name}",
        path.display(),
        build_command(dir)
    );
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_directory_is_above_deps() {
        let dir = profile_dir();
        let exe = std::env::current_exe().unwrap();
        assert!(
            exe.starts_with(&dir),
            "{} in {}",
            exe.display(),
            dir.display()
        );
        assert_ne!(dir.file_name().unwrap(), "deps");
    }

    #[test]
    fn a_missing_binary_names_the_command_that_builds_it() {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("release");
        std::fs::create_dir(&release).unwrap();
        let panic = std::panic::catch_unwind(|| locate(&release, "tamga-edge", "TAMGA_EDGE_BIN"))
            .expect_err("a missing binary panics");
        let message = panic.downcast_ref::<String>().unwrap();
        assert!(
            message.contains("cargo build --release -p tamga-edge -p tamga-central"),
            "{message}"
        );
        assert!(message.contains("TAMGA_EDGE_BIN"), "{message}");
        std::fs::write(release.join("tamga-edge"), b"").unwrap();
        assert_eq!(
            locate(&release, "tamga-edge", "TAMGA_EDGE_BIN"),
            release.join("tamga-edge")
        );
        assert_eq!(
            build_command(dir.path()),
            "cargo build -p tamga-edge -p tamga-central"
        );
    }
}
