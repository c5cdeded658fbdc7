//! `SSL_CONF_*`: httpd's `SSLOpenSSLConfCmd`. The command language lives in
//! `tls::conf`; file commands are performed here with libcrypto.

use super::types::*;
use super::{cstr, handle};
use crate::entry;
use crate::libcrypto::pem;
use crate::libcrypto::stack::NameStack;
use crate::tls::conf::{CmdResult, ConfCtx, file_command};
use crate::tls::error::Error;
use std::ffi::{CString, c_char, c_int, c_uint};

/// # Safety
/// `p` is null or an `SSL_CONF_CTX*` from `SSL_CONF_CTX_new`.
unsafe fn conf<'a>(p: *mut ssl_conf_ctx_st) -> Result<&'a mut ConfCtx, Error> {
    if p.is_null() {
        return Err(Error::null_arg());
    }
    // SAFETY: a Box<ConfCtx> we handed out; used by one thread at a time
    // (OpenSSL gives SSL_CONF_CTX no locking either).
    Ok(unsafe { &mut *(p as *mut ConfCtx) })
}

#[unsafe(no_mangle)]
pub extern "C" fn SSL_CONF_CTX_new() -> *mut ssl_conf_ctx_st {
    entry!(SSL_CONF_CTX_new, { Ok(Box::into_raw(Box::new(ConfCtx::default())) as *mut ssl_conf_ctx_st) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CONF_CTX_free(c: *mut ssl_conf_ctx_st) {
    entry!(SSL_CONF_CTX_free, {
        if !c.is_null() {
            // SAFETY: a Box<ConfCtx> we handed out, freed once.
            drop(unsafe { Box::from_raw(c as *mut ConfCtx) });
        }
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CONF_CTX_set_flags(c: *mut ssl_conf_ctx_st, flags: c_uint) -> c_uint {
    entry!(SSL_CONF_CTX_set_flags, {
        // SAFETY: per the caller.
        let cc = unsafe { conf(c) }?;
        cc.flags |= flags;
        Ok(cc.flags)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CONF_CTX_set_ssl_ctx(c: *mut ssl_conf_ctx_st, ctx: *mut ssl_ctx_st) {
    entry!(SSL_CONF_CTX_set_ssl_ctx, {
        // SAFETY: per the caller.
        let cc = unsafe { conf(c) }?;
        // SAFETY: a live handle from the C caller (NULL is refused).
        cc.ctx = if ctx.is_null() { None } else { Some(unsafe { handle::ctx_clone(ctx) }?) };
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CONF_cmd_value_type(c: *mut ssl_conf_ctx_st, cmd: *const c_char) -> c_int {
    entry!(SSL_CONF_cmd_value_type, {
        // SAFETY: per the caller.
        let cc = unsafe { conf(c) }?;
        // SAFETY: a NUL-terminated string (or NULL, which is refused) from the C caller.
        Ok(cc.value_type(unsafe { cstr(cmd) }?))
    })
}

fn run_file_command(cc: &ConfCtx, what: &str, value: &str) -> Result<(), Error> {
    let Some(ctx) = &cc.ctx else { return Ok(()) };
    let p = handle::ctx_ptr(ctx);
    let path = CString::new(value).map_err(|_| Error::invalid_arg("path contains NUL"))?;
    // SAFETY: `p` is the live context this SSL_CONF_CTX holds a reference to.
    let ok = unsafe {
        match what {
            "Certificate" => super::cert::SSL_CTX_use_certificate_chain_file(p, path.as_ptr()),
            "PrivateKey" => super::cert::SSL_CTX_use_PrivateKey_file(p, path.as_ptr(), pem::SSL_FILETYPE_PEM),
            "VerifyCAFile" => super::ctx::SSL_CTX_load_verify_file(p, path.as_ptr()),
            "VerifyCAPath" => super::ctx::SSL_CTX_load_verify_dir(p, path.as_ptr()),
            "RequestCAFile" => {
                let names = pem::read_subjects_file(&path).ok_or_else(Error::queued)?;
                ctx.update(|s| {
                    let mut all = s.client_ca.as_ref().map(|l| l.to_ders()).unwrap_or_default();
                    for n in names {
                        if !all.contains(&n) {
                            all.push(n);
                        }
                    }
                    s.client_ca = NameStack::from_ders(&all);
                });
                1
            }
            "DHParameters" => {
                // No finite-field DHE in rustls: the parameters would never
                // be used. Check the file is readable, as OpenSSL would.
                if pem::read_subjects_file(&path).is_none() && std::fs::metadata(value).is_err() {
                    return Err(Error::invalid_arg(format!("cannot read DHParameters file {value}")));
                }
                crate::libcrypto::err::clear();
                crate::tls::log::dh_params_ignored();
                1
            }
            "ChainCAFile" => return Err(Error::unsupported("SSL_CONF ChainCAFile (chain building store)")),
            _ => 0,
        }
    };
    if ok == 1 { Ok(()) } else { Err(Error::queued()) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CONF_cmd(c: *mut ssl_conf_ctx_st, cmd: *const c_char, value: *const c_char) -> c_int {
    entry!(SSL_CONF_cmd, {
        // SAFETY: per the caller.
        let cc = unsafe { conf(c) }?;
        // SAFETY: a NUL-terminated string (or NULL, which is refused) from the C caller.
        let name = unsafe { cstr(cmd) }?;
        // SAFETY: a NUL-terminated string (or NULL, which is refused) from the C caller.
        let val = if value.is_null() { None } else { Some(unsafe { cstr(value) }?) };
        if let (Some(what), Some(v)) = (file_command(cc, name), val) {
            run_file_command(cc, what, v)
                .map_err(|e| if e.queued { e } else { e.with_detail(format!("cmd={name}, value={v}")) })?;
            return Ok(2);
        }
        match cc.cmd(name, val)? {
            CmdResult::Used => Ok(2),
            CmdResult::Unknown => {
                Error::ssl(crate::libcrypto::reasons::SSL_R_UNKNOWN_CMD_NAME).with_detail(format!("cmd={name}")).raise(c"SSL_CONF_cmd");
                Ok(-2)
            }
            CmdResult::MissingValue => {
                Error::ssl(crate::libcrypto::reasons::SSL_R_BAD_VALUE).with_detail(format!("cmd={name}, value missing")).raise(c"SSL_CONF_cmd");
                Ok(-3)
            }
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CONF_CTX_finish(c: *mut ssl_conf_ctx_st) -> c_int {
    entry!(SSL_CONF_CTX_finish, {
        // SAFETY: per the caller.
        unsafe { conf(c) }?;
        Ok(1)
    })
}
