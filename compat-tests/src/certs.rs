//! Test PKI made with the `openssl` command-line tool (the system one, never our library).
//!
//! Layout of a certificate directory (all PEM; keys are PKCS#8, unencrypted):
//!
//! | file | what |
//! |---|---|
//! | `ca.crt`, `ca.key` | test CA, RSA-2048, `CN=sslshim test CA` |
//! | `server-rsa.crt/.key` | RSA-2048 leaf `O=sslshim, OU=rsa, CN=localhost` |
//! | `server-ecdsa.crt/.key` | ECDSA P-256 leaf `O=sslshim, OU=ecdsa, CN=localhost` |
//! | `a.test.crt/.key`, `b.test...`, `c.test...` | ECDSA P-256 leaves `OU=<name>, CN=<name>`, SAN DNS:<name> |
//! | `client-ca.crt/.key` | client CA, ECDSA P-256, `CN=sslshim client CA` |
//! | `client.crt/.key` | client certificate `O=sslshim, CN=client` (clientAuth), from the client CA |
//!
//! Both localhost leaves carry SAN `DNS:localhost, DNS:*.test, IP:127.0.0.1` and are signed by
//! the test CA. The `OU` tells the two server certificates apart in client output.

use crate::clients::{openssl, openssl_csr};
use crate::{Rng, TempDir, set_mode};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    Rsa2048,
    EcdsaP256,
    EcdsaP384,
}

/// What a certificate is for (its extensions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    Server,
    Client,
    Ca,
}

/// A certificate and its key.
#[derive(Clone, Debug)]
pub struct CertKey {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Clone)]
pub struct Certs {
    pub dir: PathBuf,
    pub ca: CertKey,
    pub rsa: CertKey,
    pub ecdsa: CertKey,
    pub client_ca: CertKey,
    pub client: CertKey,
}

/// Extra names with their own certificates, for SNI tests.
pub const EXTRA_NAMES: [&str; 3] = ["a.test", "b.test", "c.test"];

/// SAN of both `localhost` server certificates.
pub const LOCALHOST_SAN: &str = "DNS:localhost,DNS:*.test,IP:127.0.0.1";

static CERTS: OnceLock<Certs> = OnceLock::new();
static CLEANUP: Mutex<Option<PathBuf>> = Mutex::new(None);

extern "C" fn remove_certs_at_exit() {
    if let Ok(mut g) = CLEANUP.lock() {
        if let Some(p) = g.take() {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

/// The per-process certificate set (generated on first use into a temp dir, removed at
/// process exit unless `SSLSHIM_KEEP=1`).
pub fn certs() -> &'static Certs {
    CERTS.get_or_init(|| {
        // The static is never dropped: an atexit handler removes the directory instead.
        let dir = TempDir::new("sslshim-certs-")
            .expect("create cert temp dir")
            .into_path();
        let c = Certs::ensure(&dir).unwrap_or_else(|e| panic!("generating test certificates: {e}"));
        if crate::keep_temp() {
            eprintln!("sslshim compat-tests: keeping {}", dir.display());
        } else {
            *CLEANUP.lock().unwrap() = Some(dir);
            // SAFETY: registering a plain extern "C" fn.
            unsafe {
                libc::atexit(remove_certs_at_exit);
            }
        }
        c
    })
}

impl Certs {
    /// Makes whatever is missing of the standard set in `dir` (existing files are kept, so a
    /// persistent directory such as `target/run/certs` is made only once).
    pub fn ensure(dir: &Path) -> Result<Certs, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        set_mode(dir, 0o755).map_err(|e| e.to_string())?;
        let g = Gen {
            dir: dir.to_path_buf(),
        };
        let ca = g.ca("ca", KeyType::Rsa2048, "/CN=sslshim test CA")?;
        let rsa = g.leaf(
            "server-rsa",
            KeyType::Rsa2048,
            "/O=sslshim/OU=rsa/CN=localhost",
            LOCALHOST_SAN,
            Usage::Server,
            &ca,
        )?;
        let ecdsa = g.leaf(
            "server-ecdsa",
            KeyType::EcdsaP256,
            "/O=sslshim/OU=ecdsa/CN=localhost",
            LOCALHOST_SAN,
            Usage::Server,
            &ca,
        )?;
        for name in EXTRA_NAMES {
            g.leaf(
                name,
                KeyType::EcdsaP256,
                &format!("/O=sslshim/OU={name}/CN={name}"),
                &format!("DNS:{name}"),
                Usage::Server,
                &ca,
            )?;
        }
        let client_ca = g.ca("client-ca", KeyType::EcdsaP256, "/CN=sslshim client CA")?;
        let client = g.leaf(
            "client",
            KeyType::EcdsaP256,
            "/O=sslshim/CN=client",
            "DNS:client",
            Usage::Client,
            &client_ca,
        )?;
        Ok(Certs {
            dir: dir.to_path_buf(),
            ca,
            rsa,
            ecdsa,
            client_ca,
            client,
        })
    }

    /// Certificate for one of [`EXTRA_NAMES`] (`a.test`, `b.test`, `c.test`).
    pub fn named(&self, name: &str) -> CertKey {
        assert!(
            EXTRA_NAMES.contains(&name),
            "no certificate for {name:?}; use Certs::issue"
        );
        CertKey {
            cert: self.dir.join(format!("{name}.crt")),
            key: self.dir.join(format!("{name}.key")),
        }
    }

    /// Issues one more certificate from the test CA (or the client CA for [`Usage::Client`]),
    /// e.g. for a test that needs an odd key type or name. `stem` names the files;
    /// `san` is an openssl SAN value such as `DNS:x.test,IP:127.0.0.1`.
    pub fn issue(
        &self,
        stem: &str,
        key: KeyType,
        subject: &str,
        san: &str,
        usage: Usage,
    ) -> Result<CertKey, String> {
        let g = Gen {
            dir: self.dir.clone(),
        };
        let issuer = if usage == Usage::Client {
            &self.client_ca
        } else {
            &self.ca
        };
        let _ = std::fs::remove_file(self.dir.join(format!("{stem}.crt")));
        g.leaf(stem, key, subject, san, usage, issuer)
    }
}

struct Gen {
    dir: PathBuf,
}

impl Gen {
    fn p(&self, f: &str) -> PathBuf {
        self.dir.join(f)
    }

    fn s(&self, f: &str) -> String {
        self.p(f).to_string_lossy().into_owned()
    }

    fn key(&self, stem: &str, kt: KeyType) -> Result<PathBuf, String> {
        let key = self.p(&format!("{stem}.key"));
        if !key.exists() {
            let tmp = self.s(&format!("{stem}.key.tmp"));
            let opts: &[&str] = match kt {
                KeyType::Rsa2048 => &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
                KeyType::EcdsaP256 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
                KeyType::EcdsaP384 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
            };
            let mut args = vec!["genpkey"];
            args.extend_from_slice(opts);
            args.extend_from_slice(&["-out", &tmp]);
            openssl(&args)?;
            std::fs::rename(&tmp, &key).map_err(|e| e.to_string())?;
        }
        set_mode(&key, 0o644).map_err(|e| e.to_string())?;
        Ok(key)
    }

    fn ext(&self, stem: &str, usage: Usage, san: &str) -> Result<String, String> {
        let body = match usage {
            Usage::Ca => "basicConstraints = critical,CA:TRUE\n\
                          keyUsage = critical,keyCertSign,cRLSign\n\
                          subjectKeyIdentifier = hash\n"
                .to_string(),
            Usage::Server => format!(
                "basicConstraints = critical,CA:FALSE\n\
                 keyUsage = critical,digitalSignature,keyEncipherment\n\
                 extendedKeyUsage = serverAuth\n\
                 subjectKeyIdentifier = hash\n\
                 authorityKeyIdentifier = keyid,issuer\n\
                 subjectAltName = {san}\n"
            ),
            Usage::Client => format!(
                "basicConstraints = critical,CA:FALSE\n\
                 keyUsage = critical,digitalSignature\n\
                 extendedKeyUsage = clientAuth\n\
                 subjectKeyIdentifier = hash\n\
                 authorityKeyIdentifier = keyid,issuer\n\
                 subjectAltName = {san}\n"
            ),
        };
        let path = self.s(&format!("{stem}.ext"));
        std::fs::write(&path, format!("[ext]\n{body}")).map_err(|e| e.to_string())?;
        Ok(path)
    }

    /// Minimal openssl config for `req`, so the system's openssl.cnf cannot add extensions.
    fn req_conf(&self) -> Result<String, String> {
        let path = self.s("req.cnf");
        std::fs::write(
            &path,
            "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = unused\n",
        )
        .map_err(|e| e.to_string())?;
        Ok(path)
    }

    fn serial() -> String {
        // Positive, 63 bits, different on every run.
        format!("0x{:x}", Rng::from_clock().next_u64() >> 1)
    }

    /// A self-signed CA certificate.
    fn ca(&self, stem: &str, kt: KeyType, subject: &str) -> Result<CertKey, String> {
        self.issue(stem, kt, subject, "", Usage::Ca, None)
    }

    fn leaf(
        &self,
        stem: &str,
        kt: KeyType,
        subject: &str,
        san: &str,
        usage: Usage,
        issuer: &CertKey,
    ) -> Result<CertKey, String> {
        self.issue(stem, kt, subject, san, usage, Some(issuer))
    }

    /// A certificate (made once, kept between runs) signed by `issuer`, or self-signed.
    fn issue(
        &self,
        stem: &str,
        kt: KeyType,
        subject: &str,
        san: &str,
        usage: Usage,
        issuer: Option<&CertKey>,
    ) -> Result<CertKey, String> {
        let key = self.key(stem, kt)?;
        let crt = self.p(&format!("{stem}.crt"));
        if !crt.exists() {
            let conf = self.req_conf()?;
            let ext = self.ext(stem, usage, san)?;
            let csr = self.s(&format!("{stem}.csr"));
            let tmp = self.s(&format!("{stem}.crt.tmp"));
            openssl_csr(&conf, &key.to_string_lossy(), subject, &csr)?;
            let key_s = key.to_string_lossy().into_owned();
            let signer: Vec<String> = match issuer {
                Some(i) => vec!["-CA".into(), i.cert.to_string_lossy().into_owned(), "-CAkey".into(), i.key.to_string_lossy().into_owned()],
                None => vec!["-signkey".into(), key_s],
            };
            let serial = Self::serial();
            let mut args = vec!["x509", "-req", "-in", &csr];
            args.extend(signer.iter().map(String::as_str));
            args.extend(["-days", "3650", "-sha256", "-set_serial", &serial, "-extfile", &ext, "-extensions", "ext", "-out", &tmp]);
            openssl(&args)?;
            std::fs::rename(&tmp, &crt).map_err(|e| e.to_string())?;
        }
        set_mode(&crt, 0o644).map_err(|e| e.to_string())?;
        Ok(CertKey { cert: crt, key })
    }
}
