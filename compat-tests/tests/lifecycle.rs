//! httpd's life cycle over the library: graceful restarts (SIGUSR1) while clients download,
//! then full restarts (SIGHUP, which kills the children and so cuts transfers, with OpenSSL
//! too). The parent frees and rebuilds every `SSL_CTX` on each restart (and configures before
//! it forks): across graceful restarts in-flight downloads finish intact, new connections
//! keep working, nothing crashes, and the parent does not grow with the number of restarts
//! (contexts, certificates and keys are released).

use compat_tests::httpd::{BIG_FILE, BIG_FILE_LEN};
use compat_tests::{Httpd, clients, proc};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Sends `sig` to the parent and waits for the new generation to announce itself.
fn restart(h: &Httpd, sig: i32) {
    let mark = h.log_mark();
    assert!(proc::kill_pid(h.pid(), sig), "signal {sig} to httpd {}", h.pid());
    let line = h.wait_for_log(mark, Duration::from_secs(30), |l| l.contains("resuming normal operations"));
    assert!(line.is_some(), "httpd did not come back after signal {sig}:\n{}", h.diagnostics());
}

#[test]
fn restarts_under_load() {
    let h = Httpd::builder().start();
    let (port, ca) = (h.port(), h.ca().to_path_buf());
    let url = h.url(BIG_FILE);
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut downloaders: Vec<_> = (0..2)
        .map(|i| {
            let (stop, ok, failures, ca, url) = (stop.clone(), ok.clone(), failures.clone(), ca.clone(), url.clone());
            thread::spawn(move || {
                let version: &[&str] = if i == 0 { &["--tlsv1.3"] } else { &["--tlsv1.2", "--tls-max", "1.2", "--http1.1"] };
                while !stop.load(Ordering::SeqCst) {
                    let mut args = vec!["-o", "/dev/null", "-w", "%{http_code} %{size_download}", "--limit-rate", "20M"];
                    args.extend_from_slice(version);
                    args.push(&url);
                    let out = clients::curl(port, &ca, &args);
                    if out.success() && out.stdout == format!("200 {BIG_FILE_LEN}") {
                        ok.fetch_add(1, Ordering::SeqCst);
                    } else {
                        failures.lock().unwrap().push(out.describe());
                    }
                }
            })
        })
        .collect();

    // Let the downloads start, then measure the parent after a first restart (its
    // steady state: the first generation's memory is what the later ones reuse).
    thread::sleep(Duration::from_millis(500));
    restart(&h, libc::SIGUSR1);
    let rss_before = rss_kb(h.pid());
    let started = Instant::now();
    let rounds = 8;
    for round in 0..rounds {
        if round == rounds - 2 {
            stop.store(true, Ordering::SeqCst);
            for d in std::mem::take(&mut downloaders) {
                d.join().unwrap();
            }
        }
        restart(&h, if round >= rounds - 2 { libc::SIGHUP } else { libc::SIGUSR1 });
        let s = h.s_client(&[], b"");
        assert!(s.handshake_ok(), "handshake after restart {round}:\n{}\n{}", s.describe(), h.diagnostics());
        thread::sleep(Duration::from_millis(300));
    }
    let rss_after = rss_kb(h.pid());
    let failures = failures.lock().unwrap();
    eprintln!(
        "{rounds} restarts (6 graceful, 2 full) in {:.1}s, {} downloads of {} MB intact, parent RSS {rss_before} kB -> {rss_after} kB",
        started.elapsed().as_secs_f64(),
        ok.load(Ordering::SeqCst),
        BIG_FILE_LEN >> 20
    );
    assert!(failures.is_empty(), "downloads failed across graceful restarts:\n{}", failures.join("\n"));
    assert!(ok.load(Ordering::SeqCst) >= 2, "too few downloads completed");
    // Each generation builds and frees its contexts: growth over the rounds stays small
    // (libc arenas and httpd's pools keep some), not proportional to what was loaded.
    assert!(rss_after < rss_before + 8 * 1024, "parent grew from {rss_before} kB to {rss_after} kB over {rounds} restarts");
    let unexpected = h.error_log_unexpected(&[]);
    assert!(unexpected.is_empty(), "unexpected error log lines:\n{}", unexpected.join("\n"));
}
