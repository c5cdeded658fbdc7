//! `sslshim-httpd start PORT` / `sslshim-httpd stop PORT` (behind scripts/run-httpd.sh,
//! i.e. `make run` / `make stop`).
//!
//! `start` makes certificates (once) and a self-contained config under
//! `$SSLSHIM_RUN_DIR` (default `<repo>/target/run`), starts Debian's apache2 as a daemon with
//! `LD_LIBRARY_PATH=$SSLSHIM_LIB_DIR` (default `<repo>/target/release`) on
//! https://localhost:PORT, waits until it answers, checks that a worker mapped our
//! libssl.so.3 and prints how to try it. `SSLSHIM_MODE=system` runs it over the system
//! OpenSSL instead, for comparison. `stop` stops it by the PID in its pid file.

use compat_tests::httpd::{
    APACHE2, HttpdBuilder, apache_command, libssl_mappings_of, workers_map_only, workers_of,
};
use compat_tests::proc::{self, alive, kill_group, kill_pid};
use compat_tests::{
    Certs, Mode, canonical_lib_dir, clients, shim_lib_dir, system_libssl, workspace_root,
};
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

fn run_dir() -> PathBuf {
    match std::env::var_os("SSLSHIM_RUN_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => workspace_root().join("target").join("run"),
    }
}

fn pid_file(server_dir: &Path) -> PathBuf {
    server_dir.join("run/httpd.pid")
}

fn read_pid(server_dir: &Path) -> Option<u32> {
    std::fs::read_to_string(pid_file(server_dir))
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn usage() -> ExitCode {
    eprintln!("usage: sslshim-httpd start|stop|status PORT");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(cmd), Some(port)) = (
        args.first(),
        args.get(1).and_then(|p| p.parse::<u16>().ok()),
    ) else {
        return usage();
    };
    let server_dir = run_dir().join(port.to_string());
    let result = match cmd.as_str() {
        "start" => start(port, &server_dir),
        "stop" => stop(port, &server_dir),
        "status" => status(port, &server_dir),
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sslshim-httpd {cmd} {port}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_howto(port: u16, server_dir: &Path, certs_dir: &Path) {
    println!();
    println!("Try it:");
    println!("  curl -k https://localhost:{port}/");
    println!(
        "  curl --cacert {}/ca.crt https://localhost:{port}/",
        certs_dir.display()
    );
    println!("  openssl s_client -connect localhost:{port} -servername localhost");
    println!("Logs:   {}/logs/error.log", server_dir.display());
    println!(
        "Stop:   make stop{}",
        if port == 8443 {
            String::new()
        } else {
            format!(" PORT={port}")
        }
    );
}

fn status(port: u16, server_dir: &Path) -> Result<(), String> {
    match read_pid(server_dir) {
        Some(pid) if alive(pid) => {
            println!(
                "httpd running on https://localhost:{port}/ (pid {pid}, workers {:?})",
                workers_of(pid)
            );
            for (w, libs) in libssl_mappings_of(pid) {
                println!("  worker {w} maps {libs:?}");
            }
            Ok(())
        }
        _ => Err("not running".into()),
    }
}

fn start(port: u16, server_dir: &Path) -> Result<(), String> {
    let mode = Mode::from_env();
    let lib_dir = shim_lib_dir();
    if let Some(pid) = read_pid(server_dir).filter(|p| alive(*p)) {
        println!("httpd is already running on https://localhost:{port}/ (pid {pid}).");
        print_howto(port, server_dir, &run_dir().join("certs"));
        return Ok(());
    }
    if mode == Mode::Shim && !lib_dir.join("libssl.so.3").exists() {
        return Err(format!(
            "{} does not exist: run `make build` first",
            lib_dir.join("libssl.so.3").display()
        ));
    }
    if !Path::new(APACHE2).exists() {
        return Err(format!("{APACHE2} not found: run scripts/install-deps.sh"));
    }
    if proc::tcp_listening(port) {
        return Err(format!("something already listens on port {port}"));
    }
    let certs_dir = run_dir().join("certs");
    let certs = Certs::ensure(&certs_dir)?;
    let conf = HttpdBuilder::default()
        .mode(mode)
        .lib_dir(&lib_dir)
        .certs(certs)
        .log_level("warn ssl:info")
        .write_config(server_dir, port)?;
    let _ = std::fs::remove_file(pid_file(server_dir));
    let startup_log = server_dir.join("logs/startup.log");
    let out = std::fs::File::create(&startup_log).map_err(|e| e.to_string())?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    // Without -DFOREGROUND apache2 detaches (setsid) and the first process exits.
    let mut cmd = apache_command(mode, &lib_dir, &conf);
    cmd.args(["-k", "start"])
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    let status = cmd.status().map_err(|e| format!("spawn {APACHE2}: {e}"))?;
    let error_log = server_dir.join("logs/error.log");
    let failed = |why: &str| {
        format!(
            "{why}\n--- startup output ---\n{}\n--- {} (tail) ---\n{}",
            tail(&startup_log, 20),
            error_log.display(),
            tail(&error_log, 30)
        )
    };
    if !status.success() {
        return Err(failed(&format!("apache2 -k start failed ({status})")));
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    let pid = loop {
        if let Some(pid) = read_pid(server_dir) {
            if alive(pid) && proc::tcp_listening(port) && !workers_of(pid).is_empty() {
                break pid;
            }
        }
        if Instant::now() >= deadline {
            return Err(failed("httpd did not come up within 15 s"));
        }
        thread::sleep(Duration::from_millis(50));
    };
    // It answers over TLS (system curl, never our library).
    let ca = certs_dir.join("ca.crt");
    let mut answered = None;
    for _ in 0..20 {
        let out = clients::curl(
            port,
            &ca,
            &[
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                &format!("https://localhost:{port}/"),
            ],
        );
        if out.success() && out.stdout == "200" {
            answered = Some(out);
            break;
        }
        answered = None;
        thread::sleep(Duration::from_millis(250));
        if !alive(pid) {
            break;
        }
    }
    let expected = match mode {
        Mode::Shim => canonical_lib_dir(&lib_dir).join("libssl.so.3"),
        Mode::System => system_libssl(),
    };
    let maps_ok = workers_map_only(pid, &expected);
    if answered.is_none() || !maps_ok {
        let why = if answered.is_none() {
            "httpd started but does not answer https requests".to_string()
        } else {
            format!(
                "workers do not map {}: {:?}",
                expected.display(),
                libssl_mappings_of(pid)
            )
        };
        let _ = stop(port, server_dir);
        return Err(failed(&why));
    }
    println!(
        "httpd (Debian apache2 + stock mod_ssl) is running on https://localhost:{port}/ (pid {pid})."
    );
    println!("Its workers use {} ({} mode).", expected.display(), mode);
    println!("Config: {}", conf.display());
    print_howto(port, server_dir, &certs_dir);
    Ok(())
}

fn stop(port: u16, server_dir: &Path) -> Result<(), String> {
    let Some(pid) = read_pid(server_dir).filter(|p| alive(*p)) else {
        let _ = std::fs::remove_file(pid_file(server_dir));
        println!("httpd on port {port} is not running.");
        return Ok(());
    };
    kill_pid(pid, libc::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(15);
    while alive(pid) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(50));
    }
    // The daemon leads its own session and process group: take any leftovers with it.
    kill_group(pid, libc::SIGKILL);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !proc::group_members(pid).is_empty() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(50));
    }
    let _ = std::fs::remove_file(pid_file(server_dir));
    println!("httpd on port {port} (pid {pid}) stopped.");
    Ok(())
}
