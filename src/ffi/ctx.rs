//! `SSL_CTX` entry points: creation, options, verification settings,
//! callbacks. Certificates and keys are in `cert.rs`, ctrls in `ctrl.rs`.

use super::handle::{self, ctx_into};
use super::types::*;
use super::{bytes, cstr};
use crate::consts::*;
use crate::entry;
use crate::libcrypto::reasons::*;
use crate::libcrypto::stack::NameStack;
use crate::libcrypto::store::Store;
use crate::libcrypto::x509::X509 as Cert;
use crate::libcrypto::HostPtr;
use crate::tls::ciphers;
use crate::tls::ctx::{Cb, Ctx};
use crate::tls::error::Error;
use openssl_sys::{EVP_PKEY, OPENSSL_STACK, X509, X509_STORE};
use std::ffi::{CString, c_char, c_int, c_long, c_uchar, c_uint, c_void};
use std::sync::Arc;

/// `OPENSSL_init_ssl`: initialises libcrypto with the same options and
/// registers our error strings. Idempotent; starts no threads.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OPENSSL_init_ssl(opts: u64, settings: *const ossl_init_settings_st) -> c_int {
    entry!(OPENSSL_init_ssl, {
        // The low bits are libcrypto's; SSL's own (0x00200000/0x00400000:
        // load/no-load SSL strings) are ours and handled by init_once.
        let crypto_opts = opts & !(0x0020_0000 | 0x0040_0000);
        // SAFETY: forwards the caller's settings pointer unchanged.
        if unsafe { crate::libcrypto::sys::OPENSSL_init_crypto(crypto_opts, settings.cast()) } != 1 {
            return Err(Error::queued());
        }
        Ok(1)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_new(meth: *const ssl_method_st) -> *mut ssl_ctx_st {
    entry!(SSL_CTX_new, {
        // SAFETY: `meth` is null or one of our method statics.
        let role = unsafe { super::method::role(meth) }.ok_or_else(|| Error::ssl(SSL_R_NULL_SSL_METHOD_PASSED))?;
        let ctx = Arc::new(Ctx::new(role)?);
        let p = ctx_into(ctx.clone());
        ctx.ex_data.init(crate::libcrypto::HostPtr::from_ptr(p));
        Ok(p)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_free(ctx: *mut ssl_ctx_st) {
    entry!(SSL_CTX_free, {
        // SAFETY: the caller gives up its reference (NULL is a no-op).
        unsafe { handle::ctx_free(ctx) };
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_up_ref(ctx: *mut ssl_ctx_st) -> c_int {
    entry!(SSL_CTX_up_ref, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx_up_ref(ctx) }?;
        Ok(1)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_ex_data(ctx: *mut ssl_ctx_st, idx: c_int, data: *mut c_void) -> c_int {
    entry!(SSL_CTX_set_ex_data, {
        // SAFETY: live handle per the caller.
        let c = unsafe { handle::ctx(ctx) }?;
        Ok(c_int::from(c.ex_data.set(idx, crate::libcrypto::HostPtr::from_ptr(data))))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_ex_data(ctx: *const ssl_ctx_st, idx: c_int) -> *mut c_void {
    entry!(SSL_CTX_get_ex_data, {
        // SAFETY: live handle per the caller.
        Ok(unsafe { handle::ctx(ctx) }?.ex_data.get(idx))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_options(ctx: *mut ssl_ctx_st, op: u64) -> u64 {
    entry!(SSL_CTX_set_options, {
        // SAFETY: live handle per the caller.
        let c = unsafe { handle::ctx(ctx) }?;
        Ok(c.update(|s| {
            s.options |= op;
            s.options
        }))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_clear_options(ctx: *mut ssl_ctx_st, op: u64) -> u64 {
    entry!(SSL_CTX_clear_options, {
        // SAFETY: live handle per the caller.
        let c = unsafe { handle::ctx(ctx) }?;
        Ok(c.update(|s| {
            s.options &= !op;
            s.options
        }))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_options(ctx: *const ssl_ctx_st) -> u64 {
    // SAFETY: live handle per the caller.
    entry!(SSL_CTX_get_options, { Ok(unsafe { handle::ctx(ctx) }?.settings().options) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_timeout(ctx: *mut ssl_ctx_st, t: c_long) -> c_long {
    entry!(SSL_CTX_set_timeout, {
        // SAFETY: live handle per the caller.
        let c = unsafe { handle::ctx(ctx) }?;
        Ok(c.update(|s| std::mem::replace(&mut s.timeout, t)))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_timeout(ctx: *const ssl_ctx_st) -> c_long {
    // SAFETY: live handle per the caller.
    entry!(SSL_CTX_get_timeout, { Ok(unsafe { handle::ctx(ctx) }?.settings().timeout) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_session_id_context(ctx: *mut ssl_ctx_st, sid_ctx: *const c_uchar, len: c_uint) -> c_int {
    entry!(SSL_CTX_set_session_id_context, {
        // SAFETY: live handle; `sid_ctx` readable for `len` bytes.
        let c = unsafe { handle::ctx(ctx) }?;
        // SAFETY: the C caller's buffer is readable for the given length (NULL only with length 0).
        let b = unsafe { bytes(sid_ctx, len as usize) }?;
        if b.len() > SSL_MAX_SID_CTX_LENGTH {
            return Err(Error::ssl(SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG));
        }
        c.update(|s| s.sid_ctx = b.to_vec());
        Ok(1)
    })
}

// ---- verification ---------------------------------------------------------

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_verify(ctx: *mut ssl_ctx_st, mode: c_int, cb: VerifyCb) {
    entry!(SSL_CTX_set_verify, {
        // SAFETY: live handle per the caller.
        let c = unsafe { handle::ctx(ctx) }?;
        c.update(|s| {
            s.verify.mode = mode;
            s.verify.cb = cb;
        });
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_verify_mode(ctx: *const ssl_ctx_st) -> c_int {
    // SAFETY: live handle per the caller.
    entry!(SSL_CTX_get_verify_mode, { Ok(unsafe { handle::ctx(ctx) }?.settings().verify.mode) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_verify_callback(ctx: *const ssl_ctx_st) -> VerifyCb {
    // SAFETY: live handle per the caller.
    entry!(SSL_CTX_get_verify_callback, fail = None, { Ok(unsafe { handle::ctx(ctx) }?.settings().verify.cb) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_verify_depth(ctx: *mut ssl_ctx_st, depth: c_int) {
    entry!(SSL_CTX_set_verify_depth, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?.update(|s| s.verify.depth = depth);
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_verify_depth(ctx: *const ssl_ctx_st) -> c_int {
    // SAFETY: live handle per the caller.
    entry!(SSL_CTX_get_verify_depth, fail = -1, { Ok(unsafe { handle::ctx(ctx) }?.settings().verify.depth) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_cert_store(ctx: *const ssl_ctx_st) -> *mut X509_STORE {
    // SAFETY: live handle per the caller. The store stays owned by the ctx.
    entry!(SSL_CTX_get_cert_store, { Ok(unsafe { handle::ctx(ctx) }?.settings().store.as_ptr()) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_cert_store(ctx: *mut ssl_ctx_st, store: *mut X509_STORE) {
    entry!(SSL_CTX_set_cert_store, {
        // SAFETY: live handle; the caller's store reference moves to the ctx.
        let c = unsafe { handle::ctx(ctx) }?;
        // SAFETY: the C caller hands this reference over (or NULL), per the function's contract.
        let st = match unsafe { Store::from_owned(store) } {
            Some(s) => s,
            None => Store::new().ok_or_else(|| Error::internal("X509_STORE_new failed"))?,
        };
        c.update(|s| s.store = st);
        Ok(())
    })
}

fn load_verify(ctx: &Arc<Ctx>, file: Option<&str>, dir: Option<&str>) -> Result<c_int, Error> {
    let c = |p: &str| CString::new(p).map_err(|_| Error::invalid_arg("path contains NUL"));
    let s = ctx.settings();
    if let Some(f) = file {
        if !s.store.load_file(&c(f)?) {
            return Err(Error::queued());
        }
    }
    if let Some(d) = dir {
        if !s.store.load_path(&c(d)?) {
            return Err(Error::queued());
        }
    }
    Ok(1)
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_load_verify_file(ctx: *mut ssl_ctx_st, file: *const c_char) -> c_int {
    entry!(SSL_CTX_load_verify_file, {
        // SAFETY: live handle and C string per the caller.
        let c = unsafe { handle::ctx(ctx) }?;
        // SAFETY: a NUL-terminated string (or NULL, which is refused) from the C caller.
        load_verify(&c, Some(unsafe { cstr(file) }?), None)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_load_verify_dir(ctx: *mut ssl_ctx_st, dir: *const c_char) -> c_int {
    entry!(SSL_CTX_load_verify_dir, {
        // SAFETY: live handle and C string per the caller.
        let c = unsafe { handle::ctx(ctx) }?;
        // SAFETY: a NUL-terminated string (or NULL, which is refused) from the C caller.
        load_verify(&c, None, Some(unsafe { cstr(dir) }?))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_load_verify_locations(ctx: *mut ssl_ctx_st, file: *const c_char, dir: *const c_char) -> c_int {
    entry!(SSL_CTX_load_verify_locations, {
        // SAFETY: live handle; strings null or valid.
        let c = unsafe { handle::ctx(ctx) }?;
        if file.is_null() && dir.is_null() {
            return Err(Error::null_arg());
        }
        // SAFETY: a NUL-terminated string (or NULL, which is refused) from the C caller.
        let f = if file.is_null() { None } else { Some(unsafe { cstr(file) }?) };
        // SAFETY: a NUL-terminated string (or NULL, which is refused) from the C caller.
        let d = if dir.is_null() { None } else { Some(unsafe { cstr(dir) }?) };
        load_verify(&c, f, d)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_default_verify_paths(ctx: *mut ssl_ctx_st) -> c_int {
    entry!(SSL_CTX_set_default_verify_paths, {
        // SAFETY: live handle per the caller.
        let c = unsafe { handle::ctx(ctx) }?;
        if c.settings().store.set_default_paths() { Ok(1) } else { Err(Error::queued()) }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_client_CA_list(ctx: *mut ssl_ctx_st, list: *mut stack_st_X509_NAME) {
    entry!(SSL_CTX_set_client_CA_list, {
        // SAFETY: live handle; the stack's ownership moves to the ctx.
        let c = unsafe { handle::ctx(ctx) }?;
        // SAFETY: the C caller hands this reference over (or NULL), per the function's contract.
        let st = unsafe { NameStack::from_owned(list as *mut OPENSSL_STACK) };
        c.update(|s| s.client_ca = st);
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_client_CA_list(ctx: *const ssl_ctx_st) -> *mut stack_st_X509_NAME {
    entry!(SSL_CTX_get_client_CA_list, {
        // SAFETY: live handle per the caller; the stack stays owned by the ctx.
        let c = unsafe { handle::ctx(ctx) }?;
        Ok(c.settings().client_ca.as_ref().map_or(std::ptr::null_mut(), |s| s.as_ptr() as *mut stack_st_X509_NAME))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_add_client_CA(ctx: *mut ssl_ctx_st, x: *mut X509) -> c_int {
    entry!(SSL_CTX_add_client_CA, {
        // SAFETY: live handle; `x` a valid certificate (borrowed).
        let c = unsafe { handle::ctx(ctx) }?;
        // SAFETY: a valid libcrypto object (or NULL, refused) from the C caller; we take our own reference.
        let cert = unsafe { Cert::from_borrowed(x) }.ok_or_else(Error::null_arg)?;
        let der = cert.subject_der();
        c.update(|s| {
            let mut ders = s.client_ca.as_ref().map(|l| l.to_ders()).unwrap_or_default();
            ders.push(der);
            s.client_ca = NameStack::from_ders(&ders);
        });
        Ok(1)
    })
}

// ---- ciphers and protocols ----------------------------------------------------

/// mod_ssl ignores what `SSL_CTX_set_min/max_proto_version` return, but it
/// aborts startup when setting the cipher list fails, and it always sets the
/// cipher list after the protocol range: so a range that leaves only
/// SSLv3/TLS 1.0/1.1 (which rustls cannot do) is reported here, by name.
fn check_protocols(ctx: &Arc<Ctx>) -> Result<(), Error> {
    let s = ctx.settings();
    if crate::tls::config::version_mask(s.min_version, s.max_version, s.options) == 0 {
        return Err(Error::ssl(SSL_R_NO_PROTOCOLS_AVAILABLE).with_detail(
            "the protocol setting (SSLProtocol / MinProtocol / MaxProtocol) leaves only SSLv3, TLS 1.0 or TLS 1.1, \
             which sslshim (rustls) does not support: enable TLSv1.2 and/or TLSv1.3",
        ));
    }
    Ok(())
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_cipher_list(ctx: *mut ssl_ctx_st, str: *const c_char) -> c_int {
    entry!(SSL_CTX_set_cipher_list, {
        // SAFETY: live handle and C string per the caller.
        let c = unsafe { handle::ctx(ctx) }?;
        // SAFETY: a NUL-terminated string (or NULL, which is refused) from the C caller.
        let s = unsafe { cstr(str) }?;
        check_protocols(&c)?;
        let list = ciphers::parse_cipher_list(s).map_err(|e| Error::ssl(SSL_R_NO_CIPHER_MATCH).with_detail(e.to_string()))?;
        // OpenSSL ignores words it does not know; say so (mod_ssl appends
        // "!EXP", which OpenSSL 3.0 does not know either: not worth a warning).
        for w in list.ignored.iter().filter(|w| !matches!(w.trim_start_matches(['!', '-', '+']), "EXP" | "EXPORT")) {
            crate::tls::log::warn_once(&format!("cipher string \"{s}\": unknown keyword \"{w}\" ignored (as OpenSSL does)"));
        }
        c.update(|st| {
            st.cipher_list = list.suites;
            st.cipher_string = s.to_string();
        });
        Ok(1)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_ciphersuites(ctx: *mut ssl_ctx_st, str: *const c_char) -> c_int {
    entry!(SSL_CTX_set_ciphersuites, {
        // SAFETY: live handle and C string per the caller.
        let c = unsafe { handle::ctx(ctx) }?;
        // SAFETY: a NUL-terminated string (or NULL, which is refused) from the C caller.
        let s = unsafe { cstr(str) }?;
        check_protocols(&c)?;
        let list = ciphers::parse_ciphersuites(s).map_err(|e| Error::ssl(SSL_R_NO_CIPHER_MATCH).with_detail(e.to_string()))?;
        c.update(|st| st.tls13_suites = list.suites);
        Ok(1)
    })
}

// ---- callbacks --------------------------------------------------------------

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_info_callback(ctx: *mut ssl_ctx_st, cb: InfoCb) {
    entry!(SSL_CTX_set_info_callback, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?.update(|s| s.cbs.info = cb);
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_keylog_callback(ctx: *mut ssl_ctx_st, cb: KeylogCb) {
    entry!(SSL_CTX_set_keylog_callback, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?.update(|s| s.cbs.keylog = cb);
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_sess_set_new_cb(ctx: *mut ssl_ctx_st, cb: NewSessionCb) {
    entry!(SSL_CTX_sess_set_new_cb, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?.update(|s| s.cbs.new_session = cb);
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_sess_set_get_cb(ctx: *mut ssl_ctx_st, cb: GetSessionCb) {
    entry!(SSL_CTX_sess_set_get_cb, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?.update(|s| s.cbs.get_session = cb);
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_sess_set_remove_cb(ctx: *mut ssl_ctx_st, cb: RemoveSessionCb) {
    entry!(SSL_CTX_sess_set_remove_cb, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?.update(|s| s.cbs.remove_session = cb);
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_client_cert_cb(ctx: *mut ssl_ctx_st, cb: ClientCertCb) {
    entry!(SSL_CTX_set_client_cert_cb, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?.update(|s| s.cbs.client_cert = cb);
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_msg_callback(ctx: *mut ssl_ctx_st, cb: MsgCb) {
    entry!(SSL_CTX_set_msg_callback, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?.update(|s| s.cbs.msg = cb);
        Ok(())
    })
}


#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_default_passwd_cb(ctx: *mut ssl_ctx_st, cb: PasswordCb) {
    entry!(SSL_CTX_set_default_passwd_cb, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?.update(|s| s.password.cb = cb);
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_default_passwd_cb_userdata(ctx: *mut ssl_ctx_st, u: *mut c_void) {
    entry!(SSL_CTX_set_default_passwd_cb_userdata, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?.update(|s| s.password.userdata = HostPtr::from_ptr(u));
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_client_hello_cb(ctx: *mut ssl_ctx_st, cb: ClientHelloCb, arg: *mut c_void) {
    entry!(SSL_CTX_set_client_hello_cb, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?.update(|s| s.cbs.client_hello = cb.map(|f| Cb { f, arg: HostPtr::from_ptr(arg) }));
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_alpn_select_cb(ctx: *mut ssl_ctx_st, cb: AlpnSelectCb, arg: *mut c_void) {
    entry!(SSL_CTX_set_alpn_select_cb, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?.update(|s| s.cbs.alpn_select = cb.map(|f| Cb { f, arg: HostPtr::from_ptr(arg) }));
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_cert_cb(ctx: *mut ssl_ctx_st, cb: CertCb, arg: *mut c_void) {
    entry!(SSL_CTX_set_cert_cb, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?.update(|s| s.cbs.cert = cb.map(|f| Cb { f, arg: HostPtr::from_ptr(arg) }));
        Ok(())
    })
}

/// Client side ALPN list. Returns 0 on success (OpenSSL's inverted convention).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_alpn_protos(ctx: *mut ssl_ctx_st, protos: *const c_uchar, len: c_uint) -> c_int {
    entry!(SSL_CTX_set_alpn_protos, fail = 1, {
        // SAFETY: live handle; `protos` readable for `len` bytes.
        let c = unsafe { handle::ctx(ctx) }?;
        // SAFETY: the C caller's buffer is readable for the given length (NULL only with length 0).
        let b = unsafe { bytes(protos, len as usize) }?;
        if !crate::tls::config::parse_alpn_wire(b).iter().map(|p| p.len() + 1).sum::<usize>().eq(&b.len()) {
            return Err(Error::invalid_arg("malformed ALPN protocol list"));
        }
        c.update(|s| s.alpn_protos = b.to_vec());
        Ok(0)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx: *mut ssl_ctx_st, cb: TicketKeyEvpCb) -> c_int {
    entry!(SSL_CTX_set_tlsext_ticket_key_evp_cb, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?.update(|s| s.cbs.ticket_key_evp = cb);
        Ok(1)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_post_handshake_auth(ctx: *mut ssl_ctx_st, val: c_int) {
    entry!(SSL_CTX_set_post_handshake_auth, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?.update(|s| s.post_handshake_auth = val != 0);
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_max_early_data(ctx: *mut ssl_ctx_st, max: u32) -> c_int {
    entry!(SSL_CTX_set_max_early_data, {
        // SAFETY: live handle per the caller.
        let c = unsafe { handle::ctx(ctx) }?;
        if max != 0 {
            // No 0-RTT in sslshim. Declining it is always safe (tickets then
            // allow no early data and clients send after the handshake), and
            // nginx ignores this call's result, so a refusal would only
            // leave a stale error that it logs at [alert] later.
            crate::tls::log::warn_once(crate::tls::log::EARLY_DATA_DECLINED);
        }
        c.update(|s| s.max_early_data = 0);
        Ok(1)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_max_early_data(ctx: *const ssl_ctx_st) -> u32 {
    // SAFETY: live handle per the caller.
    entry!(SSL_CTX_get_max_early_data, { Ok(unsafe { handle::ctx(ctx) }?.settings().max_early_data) })
}

/// DH parameters: rustls has no finite-field DHE, and no DHE suite can be
/// negotiated, so the key is accepted (ownership taken, as OpenSSL does) with
/// a warning, and has no effect. Not security relevant: it can only remove
/// suites.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set0_tmp_dh_pkey(ctx: *mut ssl_ctx_st, dhpkey: *mut EVP_PKEY) -> c_int {
    entry!(SSL_CTX_set0_tmp_dh_pkey, {
        // SAFETY: live handle; we own `dhpkey` on success.
        let _c = unsafe { handle::ctx(ctx) }?;
        // SAFETY: the C caller hands this reference over (or NULL), per the function's contract.
        if let Some(k) = unsafe { crate::libcrypto::pkey::PKey::from_owned(dhpkey) } {
            drop(k);
            crate::tls::log::dh_params_ignored();
        }
        Ok(1)
    })
}
