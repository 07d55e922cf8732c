//! What the benchmarks read about processes: resident memory from `/proc/<pid>/status`, CPU
//! time, pinning to one core, and the final JSON line.

use std::time::Instant;

/// A field of `/proc/<pid>/status` in KiB (`VmRSS`, `VmHWM`, ...); `None` if the process or
/// the field is gone.
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let prefix = format!("{field}:");
    status
        .lines()
        .find(|l| l.starts_with(&prefix))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// This process's peak resident set (`VmHWM`), MiB.
pub fn peak_rss_mib() -> f64 {
    status_kib(std::process::id(), "VmHWM").unwrap_or(0) as f64 / 1024.0
}

/// This process's resident set now (`VmRSS`), MiB.
pub fn rss_mib() -> f64 {
    status_kib(std::process::id(), "VmRSS").unwrap_or(0) as f64 / 1024.0
}

/// CPU time (user + system) this thread has used, seconds.
pub fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// CPU time (user + system) the whole process has used, all its threads, seconds.
pub fn process_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// Pins the calling thread to CPU `cpu` with `sched_setaffinity`. Returns whether it worked.
pub fn pin_to_cpu(cpu: usize) -> bool {
    // SAFETY: a zeroed cpu_set_t is the empty set; CPU_SET and sched_setaffinity only touch
    // the set we own.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

/// The CPUs the calling thread may run on.
pub fn allowed_cpus() -> Vec<usize> {
    // SAFETY: sched_getaffinity fills the set we own.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Vec::new();
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|&c| libc::CPU_ISSET(c, &set))
            .collect()
    }
}

/// Seconds since `t`.
pub fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// Milliseconds since `t`.
pub fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// The output of a child run of the current executable with `args`: its stdout; panics with
/// its stderr if it failed.
pub fn run_child(args: &[&str]) -> String {
    let exe = std::env::current_exe().expect("the benchmark's own executable");
    let out = std::process::Command::new(exe)
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("the child starts");
    assert!(
        out.status.success(),
        "child {args:?} failed: {}",
        out.status
    );
    String::from_utf8(out.stdout).expect("the child prints text")
}

/// The last line of `text` that parses as a JSON object (a child's result).
pub fn last_json(text: &str) -> serde_json::Value {
    text.lines()
        .rev()
        .find_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(serde_json::Value::is_object)
        .expect("the child printed its figures as a JSON line")
}

/// Today's date (UTC), for the report.
pub fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

/// Time the calling thread has spent waiting on a run queue (runnable but not running),
/// seconds, from `/proc/thread-self/schedstat`; 0 if the kernel does not keep it.
pub fn thread_runqueue_wait_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map(|ns| ns as f64 / 1e9)
        .unwrap_or(0.0)
}

/// Wall and CPU time (of the calling thread) spent, accumulated over timed sections: on a
/// machine shared with other work the CPU time is the steadier figure.
#[derive(Clone, Copy, Debug, Default)]
pub struct Spent {
    /// Wall time, seconds.
    pub wall: f64,
    /// The calling thread's CPU time, seconds.
    pub cpu: f64,
}

impl Spent {
    /// Runs `f`, adding its wall and CPU time to `self`.
    pub fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let cpu = thread_cpu_seconds();
        let t = Instant::now();
        let out = f();
        self.wall += secs(t);
        self.cpu += thread_cpu_seconds() - cpu;
        out
    }

    /// Runs `f`, which may run threads of its own, adding its wall time and the whole
    /// process's CPU time to `self`.
    pub fn time_process<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let cpu = process_cpu_seconds();
        let t = Instant::now();
        let out = f();
        self.wall += secs(t);
        self.cpu += process_cpu_seconds() - cpu;
        out
    }
}
