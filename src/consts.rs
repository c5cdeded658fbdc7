//! OpenSSL 3.0 constants by their OpenSSL names (values from <openssl/ssl.h>,
//! <openssl/tls1.h>, <openssl/x509_vfy.h>), shared by every layer.
#![allow(dead_code)]

use std::ffi::{c_int, c_long};

// Protocol versions.
pub const SSL3_VERSION: c_int = 0x0300;
pub const TLS1_VERSION: c_int = 0x0301;
pub const TLS1_1_VERSION: c_int = 0x0302;
pub const TLS1_2_VERSION: c_int = 0x0303;
pub const TLS1_3_VERSION: c_int = 0x0304;

// SSL_OP_* (64-bit in 3.0).
pub const SSL_OP_NO_EXTENDED_MASTER_SECRET: u64 = 1 << 0;
pub const SSL_OP_CLEANSE_PLAINTEXT: u64 = 1 << 1;
pub const SSL_OP_LEGACY_SERVER_CONNECT: u64 = 1 << 2;
pub const SSL_OP_ENABLE_KTLS: u64 = 1 << 3;
pub const SSL_OP_TLSEXT_PADDING: u64 = 1 << 4;
pub const SSL_OP_SAFARI_ECDHE_ECDSA_BUG: u64 = 1 << 6;
pub const SSL_OP_IGNORE_UNEXPECTED_EOF: u64 = 1 << 7;
pub const SSL_OP_ALLOW_CLIENT_RENEGOTIATION: u64 = 1 << 8;
pub const SSL_OP_DISABLE_TLSEXT_CA_NAMES: u64 = 1 << 9;
pub const SSL_OP_ALLOW_NO_DHE_KEX: u64 = 1 << 10;
pub const SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS: u64 = 1 << 11;
pub const SSL_OP_NO_QUERY_MTU: u64 = 1 << 12;
pub const SSL_OP_COOKIE_EXCHANGE: u64 = 1 << 13;
pub const SSL_OP_NO_TICKET: u64 = 1 << 14;
pub const SSL_OP_CISCO_ANYCONNECT: u64 = 1 << 15;
pub const SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION: u64 = 1 << 16;
pub const SSL_OP_NO_COMPRESSION: u64 = 1 << 17;
pub const SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION: u64 = 1 << 18;
pub const SSL_OP_NO_ENCRYPT_THEN_MAC: u64 = 1 << 19;
pub const SSL_OP_ENABLE_MIDDLEBOX_COMPAT: u64 = 1 << 20;
pub const SSL_OP_PRIORITIZE_CHACHA: u64 = 1 << 21;
pub const SSL_OP_CIPHER_SERVER_PREFERENCE: u64 = 1 << 22;
pub const SSL_OP_TLS_ROLLBACK_BUG: u64 = 1 << 23;
pub const SSL_OP_NO_ANTI_REPLAY: u64 = 1 << 24;
pub const SSL_OP_NO_SSLV3: u64 = 1 << 25;
pub const SSL_OP_NO_TLSV1: u64 = 1 << 26;
pub const SSL_OP_NO_TLSV1_2: u64 = 1 << 27;
pub const SSL_OP_NO_TLSV1_1: u64 = 1 << 28;
pub const SSL_OP_NO_TLSV1_3: u64 = 1 << 29;
pub const SSL_OP_NO_RENEGOTIATION: u64 = 1 << 30;
pub const SSL_OP_CRYPTOPRO_TLSEXT_BUG: u64 = 1 << 31;
pub const SSL_OP_ALL: u64 = SSL_OP_CRYPTOPRO_TLSEXT_BUG
    | SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS
    | SSL_OP_LEGACY_SERVER_CONNECT
    | SSL_OP_TLSEXT_PADDING
    | SSL_OP_SAFARI_ECDHE_ECDSA_BUG;
/// What `SSL_CTX_new` sets by default in OpenSSL 3.0.
pub const SSL_OP_DEFAULT: u64 = SSL_OP_NO_COMPRESSION | SSL_OP_ENABLE_MIDDLEBOX_COMPAT;

// SSL_MODE_*.
pub const SSL_MODE_ENABLE_PARTIAL_WRITE: u32 = 0x1;
pub const SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER: u32 = 0x2;
pub const SSL_MODE_AUTO_RETRY: u32 = 0x4;
pub const SSL_MODE_NO_AUTO_CHAIN: u32 = 0x8;
pub const SSL_MODE_RELEASE_BUFFERS: u32 = 0x10;
pub const SSL_MODE_DEFAULT: u32 = SSL_MODE_AUTO_RETRY;

// Verify modes.
pub const SSL_VERIFY_NONE: c_int = 0;
pub const SSL_VERIFY_PEER: c_int = 1;
pub const SSL_VERIFY_FAIL_IF_NO_PEER_CERT: c_int = 2;
pub const SSL_VERIFY_CLIENT_ONCE: c_int = 4;
pub const SSL_VERIFY_POST_HANDSHAKE: c_int = 8;

// SSL_get_error.
pub const SSL_ERROR_NONE: c_int = 0;
pub const SSL_ERROR_SSL: c_int = 1;
pub const SSL_ERROR_WANT_READ: c_int = 2;
pub const SSL_ERROR_WANT_WRITE: c_int = 3;
pub const SSL_ERROR_WANT_X509_LOOKUP: c_int = 4;
pub const SSL_ERROR_SYSCALL: c_int = 5;
pub const SSL_ERROR_ZERO_RETURN: c_int = 6;
pub const SSL_ERROR_WANT_CONNECT: c_int = 7;
pub const SSL_ERROR_WANT_ACCEPT: c_int = 8;
pub const SSL_ERROR_WANT_CLIENT_HELLO_CB: c_int = 11;

// Shutdown state.
pub const SSL_SENT_SHUTDOWN: c_int = 1;
pub const SSL_RECEIVED_SHUTDOWN: c_int = 2;

// Session cache modes.
pub const SSL_SESS_CACHE_OFF: c_long = 0;
pub const SSL_SESS_CACHE_CLIENT: c_long = 1;
pub const SSL_SESS_CACHE_SERVER: c_long = 2;
pub const SSL_SESS_CACHE_NO_AUTO_CLEAR: c_long = 0x80;
pub const SSL_SESS_CACHE_NO_INTERNAL_LOOKUP: c_long = 0x100;
pub const SSL_SESS_CACHE_NO_INTERNAL_STORE: c_long = 0x200;
pub const SSL_SESS_CACHE_NO_INTERNAL: c_long = 0x300;

// Callback return values.
pub const SSL_TLSEXT_ERR_OK: c_int = 0;
pub const SSL_TLSEXT_ERR_ALERT_WARNING: c_int = 1;
pub const SSL_TLSEXT_ERR_ALERT_FATAL: c_int = 2;
pub const SSL_TLSEXT_ERR_NOACK: c_int = 3;
pub const SSL_CLIENT_HELLO_SUCCESS: c_int = 1;
pub const SSL_CLIENT_HELLO_ERROR: c_int = 0;
pub const SSL_CLIENT_HELLO_RETRY: c_int = -1;
pub const TLSEXT_NAMETYPE_HOST_NAME: c_int = 0;
pub const TLSEXT_STATUSTYPE_OCSP: c_int = 1;

// Info callback.
pub const SSL_ST_CONNECT: c_int = 0x1000;
pub const SSL_ST_ACCEPT: c_int = 0x2000;
pub const SSL_CB_LOOP: c_int = 0x01;
pub const SSL_CB_EXIT: c_int = 0x02;
pub const SSL_CB_READ: c_int = 0x04;
pub const SSL_CB_WRITE: c_int = 0x08;
pub const SSL_CB_ALERT: c_int = 0x4000;
pub const SSL_CB_READ_ALERT: c_int = SSL_CB_ALERT | SSL_CB_READ;
pub const SSL_CB_WRITE_ALERT: c_int = SSL_CB_ALERT | SSL_CB_WRITE;
pub const SSL_CB_ACCEPT_LOOP: c_int = SSL_ST_ACCEPT | SSL_CB_LOOP;
pub const SSL_CB_ACCEPT_EXIT: c_int = SSL_ST_ACCEPT | SSL_CB_EXIT;
pub const SSL_CB_CONNECT_LOOP: c_int = SSL_ST_CONNECT | SSL_CB_LOOP;
pub const SSL_CB_CONNECT_EXIT: c_int = SSL_ST_CONNECT | SSL_CB_EXIT;
pub const SSL_CB_HANDSHAKE_START: c_int = 0x10;
pub const SSL_CB_HANDSHAKE_DONE: c_int = 0x20;

// X509 verification results used by libssl itself.
pub const X509_V_OK: c_long = 0;
pub const X509_V_ERR_UNSPECIFIED: c_long = 1;
pub const X509_V_ERR_APPLICATION_VERIFICATION: c_long = 50;

// Alerts (TLS AlertDescription).
pub const SSL_AD_CLOSE_NOTIFY: u8 = 0;
pub const SSL_AD_UNEXPECTED_MESSAGE: u8 = 10;
pub const SSL_AD_HANDSHAKE_FAILURE: u8 = 40;
pub const SSL_AD_BAD_CERTIFICATE: u8 = 42;
pub const SSL_AD_CERTIFICATE_UNKNOWN: u8 = 46;
pub const SSL_AD_ILLEGAL_PARAMETER: u8 = 47;
pub const SSL_AD_DECODE_ERROR: u8 = 50;
pub const SSL_AD_PROTOCOL_VERSION: u8 = 70;
pub const SSL_AD_INTERNAL_ERROR: u8 = 80;
pub const SSL_AD_UNRECOGNIZED_NAME: u8 = 112;
pub const SSL_AD_NO_APPLICATION_PROTOCOL: u8 = 120;

pub const SSL_MAX_SID_CTX_LENGTH: usize = 32;
pub const SSL_MAX_SSL_SESSION_ID_LENGTH: usize = 32;
