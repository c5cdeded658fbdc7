//! sslshim: OpenSSL's `libssl.so.3` C ABI on rustls.
//!
//! Layers, from the C boundary inwards:
//!
//! * [`ffi`] -- the only home of `extern "C"` functions. Each one checks its
//!   arguments, translates C types, and delegates; one mechanism
//!   ([`ffi::boundary`]) catches panics and turns errors into OpenSSL's
//!   failure values plus an entry on libcrypto's error queue.
//! * [`tls`] -- safe Rust: the context ([`tls::ctx::Ctx`]), the connection
//!   ([`tls::ssl::Ssl`]) and the engine that drives a rustls connection over
//!   the host's BIOs. No raw pointers.
//! * [`callbacks`] -- adapters that run the host's C callbacks (SNI, ALPN,
//!   verify, sessions, keylog, info) from inside rustls' traits.
//! * [`libcrypto`] -- the only code that touches libcrypto objects (`X509`,
//!   `EVP_PKEY`, `BIO`, `X509_STORE`, stacks, the error queue, ex_data).

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod callbacks;
pub mod consts;
pub mod ffi;
pub mod libcrypto;
pub mod tls;
