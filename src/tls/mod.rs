//! The TLS logic in safe Rust: contexts, connections, the engine that
//! drives rustls over the host's BIOs, and OpenSSL's configuration
//! languages (cipher strings, SSL_CONF).

pub mod cert;
pub mod ciphers;
pub mod conf;
pub mod config;
pub mod ctx;
pub mod engine;
pub mod error;
pub mod groups;
pub mod hello;
pub mod log;
pub mod session;
pub mod sigalgs;
pub mod signer;
pub mod ssl;
pub mod ticket;
