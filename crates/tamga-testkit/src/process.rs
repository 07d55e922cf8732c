//! Running the real binaries: a command with arguments, standard input and a time limit, its
//! outcome captured as an [`Out`]; a long-running child ([`Proc`]) stopped and reaped when
//! dropped; a server started and waited for until it prints its `listening on ADDRESS` line
//! ([`serve`]).
//!
//! [`node_command`] makes `BIN --data-dir DIR ARGS...` the way every test runs a tamga node:
//! logs at `warn`, and none of the environment's settings that would point the node at another
//! directory, address or configuration ([`NODE_ENV`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a single command may take before it counts as hung and is killed.
pub const COMMAND_LIMIT: Duration = Duration::from_secs(120);

/// How long a server may take to print its `listening on` line.
pub const START_LIMIT: Duration = Duration::from_secs(60);

/// How long [`Proc::terminate`] waits after SIGTERM before SIGKILL.
pub const STOP_GRACE: Duration = Duration::from_secs(15);

/// The environment variables a tamga node reads that would send it elsewhere (data directory,
/// listening address, sync interval, HTTP limits); [`node_env`] removes them, so that a
/// developer's shell does not change what a test runs.
pub const NODE_ENV: &[&str] = &[
    "TAMGA_CENTRAL_DIR",
    "TAMGA_CENTRAL_LISTEN",
    "TAMGA_EDGE_DIR",
    "TAMGA_EDGE_LISTEN",
    "TAMGA_EDGE_SYNC_INTERVAL",
    "TAMGA_EDGE_KEEP_DELIVERED_DAYS",
    "TAMGA_EDGE_GPSD",
    "TAMGA_HTTP_HEADER_TIMEOUT_SECONDS",
    "TAMGA_HTTP_REQUEST_TIMEOUT_SECONDS",
    "TAMGA_HTTP_MAX_CONNECTIONS",
];

/// A command's outcome.
#[derive(Debug, Clone)]
pub struct Out {
    /// Exit 0.
    pub ok: bool,
    /// The exit code; `None` when a signal ended it (or it hung and was killed).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// It did not finish within its time limit and was killed (or something it started kept
    /// its output open past the limit).
    pub hung: bool,
}

/// The passphrase of the root key files tests make (`tamga-central init --root-key`).
pub const TEST_ROOT_PASSPHRASE: &str = "test root passphrase, never used for real";

/// Quiet logs (`TAMGA_LOG=warn`), none of [`NODE_ENV`], the test root key's passphrase, and
/// central's staff port on any free loopback port.
pub fn node_env(command: &mut Command) -> &mut Command {
    command.env("TAMGA_LOG", "warn");
    for name in NODE_ENV {
        command.env_remove(name);
    }
    command.env("TAMGA_ROOT_PASSPHRASE", TEST_ROOT_PASSPHRASE);
    // Central's staff port on a port of its own choosing, so that centrals never collide.
    command.env("TAMGA_CENTRAL_STAFF_LISTEN", "127.0.0.1:0");
    command
}

/// Where a test keeps the root key file of the central in `dir`: beside the data directory,
/// never inside it.
pub fn root_key_beside(dir: &Path) -> std::path::PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_owned();
    name.push(".root.key");
    dir.with_file_name(name)
}

/// `bin --data-dir DIR ARGS...`, with [`node_env`].
pub fn node_command(bin: &Path, dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(bin);
    command.arg("--data-dir").arg(dir).args(args);
    node_env(&mut command);
    command
}

/// Runs [`node_command`] with `input` on standard input, within [`COMMAND_LIMIT`].
pub fn run_node(bin: &Path, dir: &Path, args: &[&str], input: &str) -> Out {
    run(node_command(bin, dir, args), input, COMMAND_LIMIT)
}

/// Runs `command` with `input` on standard input; kills it if it has not finished within
/// `limit` (then [`Out::hung`]). Input is written and both outputs read on their own threads,
/// so a command that writes a lot before reading, or reads nothing, cannot block it.
pub fn run(mut command: Command, input: &str, limit: Duration) -> Out {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{:?} cannot be run: {e}", command.get_program()));
    let mut stdin = child.stdin.take().expect("stdin piped");
    let input = input.as_bytes().to_vec();
    // A command that exits without reading its input closes the pipe: that is not an error.
    // The writer is not joined: a command that neither reads nor exits is killed, which
    // ends the write.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let read = |mut r: Box<dyn Read + Send>| {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = r.read_to_end(&mut bytes);
            let _ = tx.send(String::from_utf8_lossy(&bytes).into_owned());
        });
        rx
    };
    let stdout = read(Box::new(child.stdout.take().expect("stdout piped")));
    let stderr = read(Box::new(child.stderr.take().expect("stderr piped")));
    let started = Instant::now();
    let mut hung = false;
    let mut pause = Duration::from_millis(1);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for a command") {
            break Some(status);
        }
        if started.elapsed() > limit {
            hung = true;
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(3));
    };
    // The outputs end when the last process holding them does: the command, or something it
    // started and left running. That one is not waited for past the limit (or 2 s after a kill).
    let until = if hung {
        Instant::now() + Duration::from_secs(2)
    } else {
        (started + limit).max(Instant::now() + Duration::from_secs(2))
    };
    let mut collect = |rx: mpsc::Receiver<String>| {
        rx.recv_timeout(until.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| {
                hung = true;
                String::new()
            })
    };
    let stdout = collect(stdout);
    let stderr = collect(stderr);
    drop(writer);
    Out {
        ok: status.is_some_and(|s| s.success()),
        code: status.and_then(|s| s.code()),
        stdout,
        stderr,
        hung,
    }
}

/// A child process, stopped when dropped if still running ([`Proc::terminate`]: SIGTERM, then
/// SIGKILL if it lingers) and always reaped.
#[derive(Debug)]
pub struct Proc {
    child: Child,
    what: String,
}

impl Proc {
    /// Spawns `command`; `what` names it in messages.
    pub fn spawn(command: &mut Command, what: &str) -> Proc {
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("{what}: {:?} cannot be run: {e}", command.get_program()));
        Proc::new(child, what)
    }

    /// Takes charge of a spawned child.
    pub fn new(child: Child, what: &str) -> Proc {
        Proc {
            child,
            what: what.to_owned(),
        }
    }

    /// What it is, for messages.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The child itself (its pipes, say).
    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILL, and wait for it to end.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends `signal` (a `libc::SIG*`) unless it has ended already.
    pub fn signal(&mut self, signal: libc::c_int) {
        if self.running() {
            // SAFETY: signalling our own child, which has not been reaped (it still runs), so
            // its pid is not reused.
            unsafe {
                libc::kill(self.child.id() as libc::pid_t, signal);
            }
        }
    }

    /// SIGTERM, then SIGKILL if it has not ended within [`STOP_GRACE`]; how it ended (a
    /// clean stop is exit 0).
    pub fn terminate(&mut self) -> ExitStatus {
        self.signal(libc::SIGTERM);
        let started = Instant::now();
        while started.elapsed() < STOP_GRACE {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("{} did not stop on SIGTERM; killing it", self.what);
        let _ = self.child.kill();
        self.child.wait().expect("wait for a killed child")
    }

    /// Stops it, if it still runs ([`Proc::terminate`]), however it ends.
    pub fn stop(&mut self) {
        if self.running() {
            self.terminate();
        }
    }

    /// Stops it with SIGTERM and checks that it stopped cleanly (exit 0).
    pub fn stop_cleanly(mut self) {
        let status = self.terminate();
        assert!(status.success(), "{} stops cleanly: {status}", self.what);
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
        let _ = self.child.wait();
    }
}

/// Spawns `command` (its standard output piped, standard input closed; standard error as the
/// command has it, the test's by default) and waits up to [`START_LIMIT`] for a line
/// `listening on ADDRESS` on its standard output. Returns the process and `ADDRESS`. What it
/// prints after is read and dropped, so that it never blocks on a full pipe. If it ends, or
/// prints no such line in time, it is killed and the panic says what it printed.
pub fn serve(mut command: Command, what: &str) -> (Proc, String) {
    command.stdin(Stdio::null()).stdout(Stdio::piped());
    let mut proc = Proc::spawn(&mut command, what);
    let stdout = proc.child().stdout.take().expect("stdout piped");
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let mut found = false;
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if !found => {
                    found = line.starts_with("listening on ");
                    if tx.send(line.clone()).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
            }
        }
    });
    let started = Instant::now();
    let mut printed = String::new();
    loop {
        let left = START_LIMIT.saturating_sub(started.elapsed());
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(address) = line.trim().strip_prefix("listening on ") {
                    return (proc, address.to_owned());
                }
                printed.push_str(&line);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                proc.kill();
                let status = proc.child().try_wait().ok().flatten();
                panic!("{what} did not start: it ended ({status:?}) having printed {printed:?}");
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                proc.kill();
                panic!(
                    "{what} did not start: no `listening on` line within {} s; it printed {printed:?}",
                    START_LIMIT.as_secs()
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("sh");
        c.arg("-c").arg(script);
        c
    }

    #[test]
    fn a_command_gets_its_input_and_gives_its_output_and_code() {
        let out = run(sh("cat; echo oops >&2; exit 3"), "hello\n", COMMAND_LIMIT);
        assert!(!out.ok && !out.hung);
        assert_eq!(out.code, Some(3));
        assert_eq!(out.stdout, "hello\n");
        assert_eq!(out.stderr, "oops\n");
    }

    #[test]
    fn a_large_input_and_output_do_not_block() {
        let input = "x".repeat(1 << 20);
        let out = run(sh("head -c 1000000 /dev/zero; cat"), &input, COMMAND_LIMIT);
        assert!(out.ok, "{out:?}");
        assert_eq!(out.stdout.len(), 1_000_000 + input.len());
    }

    #[test]
    fn a_command_that_hangs_is_killed() {
        let started = Instant::now();
        let out = run(sh("sleep 30"), "", Duration::from_millis(300));
        assert!(out.hung && !out.ok && out.code.is_none(), "{out:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_node_command_drops_the_settings_that_send_a_node_elsewhere() {
        let command = node_command(Path::new("/bin/true"), Path::new("/tmp/x"), &["serve"]);
        let args: Vec<_> = command.get_args().collect();
        assert_eq!(args, ["--data-dir", "/tmp/x", "serve"]);
        let envs: Vec<_> = command.get_envs().collect();
        for name in NODE_ENV {
            assert!(envs.contains(&(std::ffi::OsStr::new(name), None)), "{name}");
        }
        assert!(envs.contains(&(
            std::ffi::OsStr::new("TAMGA_LOG"),
            Some(std::ffi::OsStr::new("warn"))
        )));
        assert!(envs.contains(&(
            std::ffi::OsStr::new("TAMGA_CENTRAL_STAFF_LISTEN"),
            Some(std::ffi::OsStr::new("127.0.0.1:0"))
        )));
    }

    fn gone(pid: u32) -> bool {
        // Reaped children are gone: signal 0 fails.
        unsafe { libc::kill(pid as libc::pid_t, 0) != 0 }
    }

    #[test]
    fn a_server_is_waited_for_and_stopped_when_dropped() {
        let (proc, address) = serve(
            sh("echo starting; echo 'listening on 127.0.0.1:4321'; yes | head -c 1000000; exec sleep 60"),
            "a shell",
        );
        assert_eq!(address, "127.0.0.1:4321");
        let pid = proc.pid();
        drop(proc);
        assert!(gone(pid));
    }

    #[test]
    fn a_server_that_stops_cleanly_on_sigterm() {
        let (proc, _) = serve(
            sh("trap 'exit 0' TERM; echo 'listening on 127.0.0.1:1'; while :; do sleep 0.1; done"),
            "a shell",
        );
        proc.stop_cleanly();
    }

    #[test]
    fn a_server_that_ends_without_listening_says_what_it_printed() {
        let panic = std::panic::catch_unwind(|| serve(sh("echo 'no such store'"), "a shell"))
            .expect_err("it did not start");
        let message = panic.downcast_ref::<String>().unwrap();
        assert!(message.contains("a shell did not start"), "{message}");
        assert!(message.contains("no such store"), "{message}");
    }

    #[test]
    fn kill_and_terminate() {
        let mut proc = Proc::spawn(&mut sh("exec sleep 60"), "sleep");
        assert!(proc.running());
        let status = proc.terminate();
        assert!(!status.success());
        assert!(!proc.running());
        let mut proc = Proc::spawn(&mut sh("exec sleep 60"), "sleep");
        let pid = proc.pid();
        proc.kill();
        assert!(!proc.running() && gone(pid));
    }
}
