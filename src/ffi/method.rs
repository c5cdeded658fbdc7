//! `SSL_METHOD`s: statics that only say which roles a context allows.

use super::types::ssl_method_st;
use crate::tls::ctx::Role;

pub struct Method {
    pub role: Role,
}

static TLS: Method = Method { role: Role::Any };
static TLS_SERVER: Method = Method { role: Role::Server };
static TLS_CLIENT: Method = Method { role: Role::Client };

/// # Safety
/// `p` is null or one of the statics below.
pub unsafe fn role(p: *const ssl_method_st) -> Option<Role> {
    // SAFETY: only our statics are handed out as SSL_METHOD*.
    (!p.is_null()).then(|| unsafe { (*(p as *const Method)).role })
}

#[unsafe(no_mangle)]
pub extern "C" fn TLS_method() -> *const ssl_method_st {
    &TLS as *const Method as *const ssl_method_st
}

#[unsafe(no_mangle)]
pub extern "C" fn TLS_server_method() -> *const ssl_method_st {
    &TLS_SERVER as *const Method as *const ssl_method_st
}

#[unsafe(no_mangle)]
pub extern "C" fn TLS_client_method() -> *const ssl_method_st {
    &TLS_CLIENT as *const Method as *const ssl_method_st
}
