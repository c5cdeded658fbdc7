//! `sslshim-bench [--quick] [--reps N] [--time SECS] [--downloads N] [--idle N]`
//!
//! Starts the same httpd configuration twice in one run - over the system OpenSSL and over
//! sslshim (`$SSLSHIM_LIB_DIR/libssl.so.3`), same certificates, `SSLSessionCache shmcb`,
//! `SSLSessionTickets on` - and measures, interleaving the modes and repeating (medians):
//!
//! * full and resumed handshakes per second, TLS 1.3 and TLS 1.2 (`openssl s_time -new` /
//!   `-reuse`, each connection also GETs `/index.html`: without a read, s_client never sees
//!   a TLS 1.3 ticket), with the fraction of connections really resumed;
//! * server CPU per handshake: utime+stime of the server's processes (from `/proc`, the
//!   parent's cutime/cstime included) before/after, divided by the handshakes;
//! * bulk throughput: `curl` downloads of the 10 MB `/big.bin` over TLS 1.3, MB/s and server
//!   CPU per MB;
//! * memory per idle connection: N TLS connections (handshake + one keep-alive GET, then
//!   idle) and the server processes' RSS before/after.
//!
//! Clients run on the same machine (and compete with the server for its cores): the
//! absolute numbers are this machine's, the shim/system ratio is the result.

use compat_tests::httpd::BIG_FILE;
use compat_tests::{Httpd, Mode, clients, proc, shim_lib};
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
struct Opts {
    quick: bool,
    reps: usize,
    time: u32,
    downloads: usize,
    idle: usize,
}

impl Opts {
    fn parse() -> Result<Opts, String> {
        let mut args = std::env::args().skip(1);
        let mut o = Opts {
            quick: false,
            reps: 3,
            time: 5,
            downloads: 10,
            idle: 200,
        };
        let mut explicit: Vec<&str> = Vec::new();
        while let Some(a) = args.next() {
            let mut num = |name: &'static str| -> Result<usize, String> {
                explicit.push(name);
                args.next()
                    .and_then(|v| v.parse().ok())
                    .filter(|v| *v > 0)
                    .ok_or(format!("{name} needs a positive number"))
            };
            match a.as_str() {
                "--quick" => o.quick = true,
                "--reps" => o.reps = num("--reps")?,
                "--time" => o.time = num("--time")? as u32,
                "--downloads" => o.downloads = num("--downloads")?,
                "--idle" => o.idle = num("--idle")?,
                "-h" | "--help" => return Err(String::new()),
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        if o.quick {
            if !explicit.contains(&"--reps") {
                o.reps = 1;
            }
            if !explicit.contains(&"--time") {
                o.time = 1;
            }
            if !explicit.contains(&"--downloads") {
                o.downloads = 3;
            }
            if !explicit.contains(&"--idle") {
                o.idle = 50;
            }
        }
        Ok(o)
    }
}

const USAGE: &str =
    "usage: sslshim-bench [--quick] [--reps N] [--time SECS] [--downloads N] [--idle N]
  default: 3 repetitions, s_time runs of 5 s, 10 downloads of 10 MB, 200 idle connections
  --quick: 1 repetition, 1 s, 3 downloads, 50 idle connections
  environment: SSLSHIM_LIB_DIR (default <repo>/target/release), SSLSHIM_KEEP=1";

// ---- server-side measurements -------------------------------------------------------------

/// utime+stime of every process in the server's process group, plus the parent's
/// cutime+cstime (children that exited and were reaped), in clock ticks.
fn server_cpu_ticks(pid: u32) -> u64 {
    let fields = |p: u32| -> Option<Vec<u64>> {
        let s = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
        let rest = &s[s.rfind(')')? + 2..];
        // Fields from 3 (state): utime is field 14, i.e. index 11 here.
        Some(
            rest.split_whitespace()
                .skip(11)
                .take(4)
                .map(|v| v.parse().unwrap_or(0))
                .collect(),
        )
    };
    let mut total = 0;
    for p in proc::group_members(pid) {
        if let Some(f) = fields(p) {
            total += f.first().unwrap_or(&0) + f.get(1).unwrap_or(&0);
            if p == pid {
                total += f.get(2).unwrap_or(&0) + f.get(3).unwrap_or(&0);
            }
        }
    }
    total
}

fn ticks_per_sec() -> f64 {
    // SAFETY: plain libc call.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

/// Sum of VmRSS (kB) of the server's processes.
fn server_rss_kb(pid: u32) -> u64 {
    proc::group_members(pid)
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/status")).ok())
        .filter_map(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .sum()
}

// ---- workloads ----------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Task {
    Handshakes { tls13: bool, reuse: bool },
    Bulk,
    Idle,
}

impl Task {
    fn all() -> Vec<Task> {
        let mut v = Vec::new();
        for tls13 in [true, false] {
            for reuse in [true, false] {
                v.push(Task::Handshakes { tls13, reuse });
            }
        }
        v.push(Task::Bulk);
        v.push(Task::Idle);
        v
    }
}

/// One measurement: named values (metric -> value).
type Sample = Vec<(String, f64)>;

fn handshakes(h: &Httpd, tls13: bool, reuse: bool, secs: u32) -> Result<Sample, String> {
    let ver = if tls13 { "TLS 1.3" } else { "TLS 1.2" };
    let kind = if reuse { "resumed" } else { "full" };
    let mut cmd = clients::client_command("openssl");
    cmd.arg("s_time")
        .arg("-connect")
        .arg(format!("127.0.0.1:{}", h.port()))
        .arg(if tls13 { "-tls1_3" } else { "-tls1_2" })
        .arg(if reuse { "-reuse" } else { "-new" })
        .args(["-www", "/index.html", "-time", &secs.to_string()]);
    let cpu0 = server_cpu_ticks(h.pid());
    let t0 = Instant::now();
    let out = proc::run(cmd, None, Duration::from_secs(u64::from(secs) + 60));
    let wall = t0.elapsed().as_secs_f64();
    let cpu = (server_cpu_ticks(h.pid()) - cpu0) as f64 / ticks_per_sec();
    // "2400 connections in 0.63s; 3809.52 connections/user sec, bytes read 568800"
    let n: f64 = out
        .stdout
        .lines()
        .find_map(|l| {
            let (n, rest) = l.split_once(" connections in ")?;
            rest.contains("user sec").then(|| n.trim().parse().ok())?
        })
        .ok_or_else(|| format!("s_time gave no result:\n{}", out.describe()))?;
    if n < 1.0 {
        return Err(format!("s_time made no connections:\n{}", out.describe()));
    }
    // Progress characters: '*' a new session, 'r' a resumed one.
    let marks = out
        .stdout
        .lines()
        .find(|l| l.starts_with('*') || l.starts_with('r'))
        .unwrap_or("");
    let resumed = marks.bytes().filter(|b| *b == b'r').count() as f64;
    let total_marks = marks.bytes().filter(|b| *b == b'r' || *b == b'*').count() as f64;
    let mut s = vec![
        (format!("{ver} {kind} handshakes/s  [+GET]"), n / wall),
        (
            format!("{ver} server CPU ms per {kind} handshake"),
            cpu * 1000.0 / n,
        ),
    ];
    if reuse {
        s.push((
            format!("{ver} fraction resumed (s_time -reuse)"),
            if total_marks > 0.0 {
                resumed / total_marks
            } else {
                0.0
            },
        ));
    }
    Ok(s)
}

fn bulk(h: &Httpd, downloads: usize) -> Result<Sample, String> {
    let url = h.url(BIG_FILE);
    let cpu0 = server_cpu_ticks(h.pid());
    let t0 = Instant::now();
    let mut bytes = 0.0;
    for _ in 0..downloads {
        let out = h.curl(&[
            "--tlsv1.3",
            "--http1.1",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{size_download}",
            &url,
        ]);
        let mut it = out.stdout.split_whitespace();
        if !out.success() || it.next() != Some("200") {
            return Err(format!("download failed:\n{}", out.describe()));
        }
        bytes += it.next().and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    }
    let wall = t0.elapsed().as_secs_f64();
    let cpu = (server_cpu_ticks(h.pid()) - cpu0) as f64 / ticks_per_sec();
    let mb = bytes / 1e6;
    Ok(vec![
        ("bulk MB/s (10 MB GETs, TLS 1.3, curl)".into(), mb / wall),
        ("bulk server CPU ms per MB".into(), cpu * 1000.0 / mb),
    ])
}

/// Opens `n` TLS connections that each make one keep-alive GET and then stay idle; prints
/// "ready N" and keeps them until stdin closes.
const IDLE_CLIENT: &str = r#"
import socket, ssl, sys
port, ca, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ctx = ssl.create_default_context(cafile=ca)
conns = []
try:
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        t = ctx.wrap_socket(s, server_hostname="localhost")
        t.sendall(b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            c = t.recv(65536)
            if not c: raise Exception("closed")
            data += c
        head, _, body = data.partition(b"\r\n\r\n")
        cl = 0
        for l in head.split(b"\r\n"):
            if l.lower().startswith(b"content-length:"): cl = int(l.split(b":")[1])
        while len(body) < cl:
            c = t.recv(65536)
            if not c: raise Exception("closed")
            body += c
        conns.append(t)
except Exception as e:
    print("error", len(conns), type(e).__name__, e, flush=True)
    sys.exit(1)
print("ready", len(conns), flush=True)
sys.stdin.read()
for t in conns: t.close()
"#;

fn idle_round(h: &Httpd, n: usize, measure: bool) -> Result<Option<f64>, String> {
    let mut cmd = clients::client_command("python3");
    cmd.arg("-c")
        .arg(IDLE_CLIENT)
        .arg(h.port().to_string())
        .arg(h.ca())
        .arg(n.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let before = server_rss_kb(h.pid());
    let mut child = cmd.spawn().map_err(|e| format!("python3: {e}"))?;
    let mut line = String::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let _ = reader.read_line(&mut line);
    let result = if line.starts_with("ready") {
        std::thread::sleep(Duration::from_millis(500));
        let after = server_rss_kb(h.pid());
        Ok(measure.then(|| (after as f64 - before as f64) / n as f64))
    } else {
        Err(format!("idle client: {line}"))
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(b"");
    }
    let _ = child.wait();
    // Let the server notice the closes before the next measurement.
    std::thread::sleep(Duration::from_millis(300));
    result
}

fn idle(h: &Httpd, n: usize) -> Result<Sample, String> {
    // A first round warms up worker threads and allocator arenas.
    idle_round(h, n, false)?;
    let kb = idle_round(h, n, true)?.unwrap_or(0.0);
    Ok(vec![(
        format!("RSS kB per idle TLS connection ({n} open)"),
        kb,
    )])
}

fn run_task(h: &Httpd, t: Task, o: &Opts) -> Result<Sample, String> {
    match t {
        Task::Handshakes { tls13, reuse } => handshakes(h, tls13, reuse, o.time),
        Task::Bulk => bulk(h, o.downloads),
        Task::Idle => idle(h, o.idle),
    }
}

// ---- report ---------------------------------------------------------------------------------

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

fn fmt(v: f64) -> String {
    if v.is_nan() {
        "-".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn describe_setup(h: &Httpd) -> String {
    let t13 = h.s_client(&[], b"");
    let t12 = h.s_client(&["-tls1_2"], b"");
    format!(
        "{} / {} ({}), {} / {}",
        t13.protocol.unwrap_or_default(),
        t13.cipher.unwrap_or_default(),
        t13.peer_sig_type.unwrap_or_default(),
        t12.protocol.unwrap_or_default(),
        t12.cipher.unwrap_or_default()
    )
}

fn main() -> ExitCode {
    let o = match Opts::parse() {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("sslshim-bench: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if !shim_lib().exists() {
        eprintln!(
            "sslshim-bench: {} does not exist (make build, or set SSLSHIM_LIB_DIR)",
            shim_lib().display()
        );
        return ExitCode::FAILURE;
    }
    let start = |mode: Mode| {
        Httpd::builder()
            .mode(mode)
            .log_level("warn")
            .h2(false)
            .vhost_conf("SSLSessionTickets on")
            // Idle keep-alive connections must outlive the memory measurement.
            .global_conf("KeepAliveTimeout 60")
            .try_start()
    };
    let servers: HashMap<Mode, Httpd> = {
        let mut m = HashMap::new();
        for mode in [Mode::System, Mode::Shim] {
            match start(mode) {
                Ok(h) => {
                    m.insert(mode, h);
                }
                Err(e) => {
                    eprintln!("sslshim-bench: {mode} server did not start: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        m
    };
    let t_all = Instant::now();
    eprintln!(
        "sslshim-bench: {} ({} rep(s), s_time {} s, {} x 10 MB, {} idle connections); shim = {}",
        if o.quick { "quick" } else { "full" },
        o.reps,
        o.time,
        o.downloads,
        o.idle,
        shim_lib().display()
    );
    for mode in [Mode::System, Mode::Shim] {
        let h = &servers[&mode];
        eprintln!(
            "  {:<6} port {}: {}",
            mode.name(),
            h.port(),
            describe_setup(h)
        );
    }
    // metric -> mode -> values; metric order of first appearance.
    let mut values: BTreeMap<String, HashMap<Mode, Vec<f64>>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    for rep in 0..o.reps {
        for task in Task::all() {
            // Alternate which mode goes first, per repetition and per task.
            let mut modes = [Mode::System, Mode::Shim];
            if (rep + task_index(task)) % 2 == 1 {
                modes.reverse();
            }
            for mode in modes {
                let h = &servers[&mode];
                match run_task(h, task, &o) {
                    Ok(sample) => {
                        for (k, v) in sample {
                            if !order.contains(&k) {
                                order.push(k.clone());
                            }
                            values
                                .entry(k)
                                .or_default()
                                .entry(mode)
                                .or_default()
                                .push(v);
                        }
                    }
                    Err(e) => {
                        eprintln!("  rep {rep} {task:?} {mode}: {e}");
                        errors.push(format!("{task:?} {mode}: {e}"));
                    }
                }
            }
            eprint!(".");
        }
        eprintln!(" rep {} done ({:.0?})", rep + 1, t_all.elapsed());
    }
    for mode in [Mode::System, Mode::Shim] {
        let h = &servers[&mode];
        let bad = h.error_log_unexpected(&[]);
        if !bad.is_empty() {
            errors.push(format!("{mode} error log:\n{}", bad.join("\n")));
        }
    }
    println!();
    println!(
        "sslshim-bench {} run: medians of {} repetition(s), modes interleaved; {:.0?}",
        if o.quick { "quick" } else { "full" },
        o.reps,
        t_all.elapsed()
    );
    println!("| metric | system (OpenSSL) | shim (sslshim) | shim/system |");
    println!("|---|---:|---:|---:|");
    for k in &order {
        let m = &values[k];
        let sys = median(m.get(&Mode::System).map(Vec::as_slice).unwrap_or(&[]));
        let shim = median(m.get(&Mode::Shim).map(Vec::as_slice).unwrap_or(&[]));
        let ratio = if sys.abs() > f64::EPSILON {
            shim / sys
        } else {
            f64::NAN
        };
        let spread = |mode: Mode| -> String {
            let v = m.get(&mode).cloned().unwrap_or_default();
            if v.len() < 2 {
                return String::new();
            }
            let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
            let hi = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            format!(" ({}-{})", fmt(lo), fmt(hi))
        };
        println!(
            "| {k} | {}{} | {}{} | {} |",
            fmt(sys),
            spread(Mode::System),
            fmt(shim),
            spread(Mode::Shim),
            fmt(ratio)
        );
    }
    println!(
        "\n(handshakes/s and MB/s: higher is better; CPU and RSS: lower is better; ranges are \
         min-max over repetitions; clients share the machine's {} cores with the server)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "\nsslshim-bench: {} error(s):\n{}",
            errors.len(),
            errors.join("\n")
        );
        ExitCode::FAILURE
    }
}

fn task_index(t: Task) -> usize {
    Task::all().iter().position(|x| *x == t).unwrap_or(0)
}
