//! Process helpers: run a command with a deadline, find children, look at /proc.

use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Captured result of a command run by [`run`].
#[derive(Debug, Clone)]
pub struct CmdOutput {
    /// What was run (for messages).
    pub command: String,
    /// `None` when it was killed for running past its deadline.
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    pub elapsed: Duration,
}

impl CmdOutput {
    pub fn success(&self) -> bool {
        !self.timed_out && self.status.is_some_and(|s| s.success())
    }

    pub fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }

    /// Everything, for assertion messages.
    pub fn describe(&self) -> String {
        let status = match (self.timed_out, self.status) {
            (true, _) => "TIMED OUT (killed)".to_string(),
            (false, Some(s)) => match (s.code(), s.signal()) {
                (Some(c), _) => format!("exit {c}"),
                (None, Some(sig)) => format!("signal {sig}"),
                _ => format!("{s:?}"),
            },
            (false, None) => "unknown".into(),
        };
        format!(
            "$ {}\n[{status} after {:.2?}]\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command,
            self.elapsed,
            truncate(&self.stdout, 6000),
            truncate(&self.stderr, 6000)
        )
    }

    /// Panics with [`Self::describe`] unless the command succeeded.
    #[track_caller]
    pub fn assert_success(&self) -> &Self {
        assert!(self.success(), "command failed:\n{}", self.describe());
        self
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}\n...[{} more bytes]", &s[..cut], s.len() - cut)
}

/// Runs `cmd` (in its own process group) feeding it `stdin`, capturing stdout/stderr, killing
/// the whole group if it runs longer than `timeout`.
pub fn run(mut cmd: Command, stdin: Option<&[u8]>, timeout: Duration) -> CmdOutput {
    let command = format!("{cmd:?}");
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .process_group(0);
    let start = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return CmdOutput {
                command,
                status: None,
                stdout: String::new(),
                stderr: format!("spawn failed: {e}"),
                timed_out: false,
                elapsed: start.elapsed(),
            };
        }
    };
    let writer = stdin.map(|data| {
        let data = data.to_vec();
        let mut pipe = child.stdin.take().unwrap();
        thread::spawn(move || {
            let _ = pipe.write_all(&data);
            // dropping the pipe closes the child's stdin
        })
    });
    let out_reader = reader(child.stdout.take().unwrap());
    let err_reader = reader(child.stderr.take().unwrap());
    let (status, timed_out) = wait_deadline(&mut child, timeout);
    if timed_out {
        kill_group(child.id(), libc::SIGKILL);
        let _ = child.kill();
        let _ = child.wait();
    } else {
        // The leader is gone; helpers it left in its group (none expected) must not hold
        // our pipes open forever.
        kill_group(child.id(), libc::SIGKILL);
    }
    if let Some(w) = writer {
        let _ = w.join();
    }
    CmdOutput {
        command,
        status,
        stdout: String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned(),
        timed_out,
        elapsed: start.elapsed(),
    }
}

fn reader<R: Read + Send + 'static>(mut r: R) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

/// Waits for `child` until `timeout`; returns (status, timed_out).
pub fn wait_deadline(child: &mut Child, timeout: Duration) -> (Option<ExitStatus>, bool) {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(s)) => return (Some(s), false),
            Ok(None) => {}
            Err(_) => return (None, false),
        }
        if Instant::now() >= deadline {
            return (None, true);
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// `kill(-pgid, sig)`; errors (no such group) ignored.
pub fn kill_group(pgid: u32, sig: i32) {
    if pgid > 1 {
        // SAFETY: plain syscall.
        unsafe {
            libc::kill(-(pgid as i32), sig);
        }
    }
}

/// `kill(pid, sig)`; returns whether the signal was delivered.
/// Asks the kernel to send `sig` to the child when the thread that spawned it ends
/// (`PR_SET_PDEATHSIG`), so servers never outlive a test process that died.
pub fn die_with_parent(cmd: &mut std::process::Command, sig: i32) {
    let sig = sig as libc::c_ulong;
    // SAFETY: prctl is async-signal-safe; nothing else runs in the closure.
    unsafe {
        cmd.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, sig, 0, 0, 0);
            Ok(())
        });
    }
}

pub fn kill_pid(pid: u32, sig: i32) -> bool {
    // SAFETY: plain syscall.
    pid > 1 && unsafe { libc::kill(pid as i32, sig) } == 0
}

pub fn alive(pid: u32) -> bool {
    // A zombie still "exists" for kill(0); look at the state too.
    match stat(pid) {
        Some(st) => st.state != 'Z' && st.state != 'X',
        None => false,
    }
}

/// The fields of `/proc/PID/stat` we use.
#[derive(Debug, Clone)]
pub struct Stat {
    pub pid: u32,
    pub comm: String,
    pub state: char,
    pub ppid: u32,
    pub pgrp: u32,
}

pub fn stat(pid: u32) -> Option<Stat> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let open = s.find('(')?;
    let close = s.rfind(')')?;
    let comm = s[open + 1..close].to_string();
    let mut rest = s[close + 1..].split_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    let pgrp = rest.next()?.parse().ok()?;
    Some(Stat {
        pid,
        comm,
        state,
        ppid,
        pgrp,
    })
}

fn all_pids() -> Vec<u32> {
    let mut v: Vec<u32> = std::fs::read_dir("/proc")
        .map(|rd| {
            rd.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    v.sort_unstable();
    v
}

/// Live (non-zombie) direct children of `parent`.
pub fn children(parent: u32) -> Vec<u32> {
    all_pids()
        .into_iter()
        .filter_map(stat)
        .filter(|st| st.ppid == parent && st.state != 'Z' && st.state != 'X')
        .map(|st| st.pid)
        .collect()
}

/// Live members of process group `pgid`.
pub fn group_members(pgid: u32) -> Vec<u32> {
    all_pids()
        .into_iter()
        .filter_map(stat)
        .filter(|st| st.pgrp == pgid && st.state != 'Z' && st.state != 'X')
        .map(|st| st.pid)
        .collect()
}

/// Files mapped by `pid` (from `/proc/PID/maps`), deduplicated, in order of appearance.
pub fn mapped_files(pid: u32) -> std::io::Result<Vec<PathBuf>> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps"))?;
    let mut out: Vec<PathBuf> = Vec::new();
    for line in maps.lines() {
        // address perms offset dev inode pathname
        let path = line.splitn(6, ' ').nth(5).map(str::trim).unwrap_or("");
        if path.starts_with('/') {
            let p = PathBuf::from(path.trim_end_matches(" (deleted)"));
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// Is something listening on 127.0.0.1:`port` (or the wildcard address) over TCP?
/// Read from `/proc/net/tcp{,6}` so that checking makes no connection (and no log noise).
pub fn tcp_listening(port: u16) -> bool {
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let mut f = line.split_whitespace();
            let (Some(_sl), Some(local), Some(_rem), Some(state)) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            if state != "0A" {
                continue;
            }
            let Some((addr, p)) = local.rsplit_once(':') else {
                continue;
            };
            let Ok(p) = u16::from_str_radix(p, 16) else {
                continue;
            };
            let loopback_or_any = matches!(
                addr,
                "0100007F"
                    | "00000000"
                    | "00000000000000000000000000000000"
                    | "0000000000000000FFFF00000100007F"
            );
            if p == port && loopback_or_any {
                return true;
            }
        }
    }
    false
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().unwrap().port()
}

/// Are we root (so httpd can switch to `www-data`)?
pub fn is_root() -> bool {
    // SAFETY: plain syscall.
    unsafe { libc::geteuid() == 0 }
}
