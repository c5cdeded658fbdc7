//! The raw ClientHello, kept for `SSL_client_hello_get0_ext` and for
//! questions rustls' `ClientHello` does not answer (did the client ask for
//! OCSP stapling? what was the legacy version?).

#![forbid(unsafe_code)]

/// A parsed ClientHello body (handshake header removed).
#[derive(Debug, Default)]
pub struct RawHello {
    body: Vec<u8>,
    pub legacy_version: u16,
    session_id: (usize, usize),
    cipher_suites: (usize, usize),
    compression: (usize, usize),
    extensions: Vec<(u16, usize, usize)>,
}

const HANDSHAKE: u8 = 22;
const CLIENT_HELLO: u8 = 1;
/// Reassembly limit (rustls caps a ClientHello far below this).
const MAX_HELLO: usize = 1 << 17;

impl RawHello {
    /// Parses the first handshake message out of the captured TLS records.
    pub fn from_records(mut data: &[u8]) -> Option<RawHello> {
        let mut hs = Vec::new();
        while data.len() >= 5 {
            let (typ, len) = (data[0], usize::from(u16::from_be_bytes([data[3], data[4]])));
            if typ != HANDSHAKE || data.len() < 5 + len {
                break;
            }
            hs.extend_from_slice(&data[5..5 + len]);
            data = &data[5 + len..];
            if hs.len() >= 4 {
                let need = 4 + (usize::from(hs[1]) << 16 | usize::from(hs[2]) << 8 | usize::from(hs[3]));
                if hs.len() >= need || need > MAX_HELLO {
                    break;
                }
            }
        }
        if hs.len() < 4 || hs[0] != CLIENT_HELLO {
            return None;
        }
        let len = usize::from(hs[1]) << 16 | usize::from(hs[2]) << 8 | usize::from(hs[3]);
        if hs.len() < 4 + len {
            return None;
        }
        Self::parse(hs[4..4 + len].to_vec())
    }

    fn parse(body: Vec<u8>) -> Option<RawHello> {
        let mut r = Reader { b: &body, pos: 0 };
        let legacy_version = r.u16()?;
        r.skip(32)?;
        let session_id = r.vec8()?;
        let cipher_suites = r.vec16()?;
        let compression = r.vec8()?;
        let mut extensions = Vec::new();
        if r.pos < body.len() {
            let (start, end) = r.vec16()?;
            let mut e = Reader { b: &body[..end], pos: start };
            while e.pos < end {
                let typ = e.u16()?;
                let (s, t) = e.vec16()?;
                extensions.push((typ, s, t));
            }
        }
        Some(RawHello { body: body.clone(), legacy_version, session_id, cipher_suites, compression, extensions })
    }

    /// The body of extension `typ`, if the client sent it.
    pub fn ext(&self, typ: u16) -> Option<&[u8]> {
        self.extensions
            .iter()
            .find(|(t, _, _)| *t == typ)
            .map(|(_, s, e)| &self.body[*s..*e])
    }

    pub fn extension_types(&self) -> impl Iterator<Item = u16> + '_ {
        self.extensions.iter().map(|(t, _, _)| *t)
    }

    pub fn session_id(&self) -> &[u8] {
        &self.body[self.session_id.0..self.session_id.1]
    }

    pub fn cipher_suites(&self) -> &[u8] {
        &self.body[self.cipher_suites.0..self.cipher_suites.1]
    }

    pub fn compression_methods(&self) -> &[u8] {
        &self.body[self.compression.0..self.compression.1]
    }

    /// ALPN protocol list in wire format without the outer length, as
    /// OpenSSL hands it to the ALPN select callback.
    pub fn alpn_wire(&self) -> Option<&[u8]> {
        let e = self.ext(16)?;
        if e.len() < 2 {
            return None;
        }
        Some(&e[2..])
    }

    /// Does the client offer TLS 1.3 (supported_versions lists 0x0304)?
    pub fn offers_tls13(&self) -> bool {
        match self.ext(43) {
            Some(v) if v.len() > 1 => v[1..].chunks(2).any(|c| c == [0x03, 0x04]),
            _ => false,
        }
    }

    /// Does the client accept TLS 1.2?
    pub fn offers_tls12(&self) -> bool {
        match self.ext(43) {
            Some(v) if v.len() > 1 => v[1..].chunks(2).any(|c| c == [0x03, 0x03]),
            _ => self.legacy_version >= 0x0303,
        }
    }

    /// Groups in the client's supported_groups extension, in its order.
    pub fn groups(&self) -> Vec<u16> {
        match self.ext(10) {
            Some(v) if v.len() >= 2 => v[2..].chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect(),
            _ => Vec::new(),
        }
    }

    /// Groups the client sent TLS 1.3 key shares for, in its order.
    pub fn key_share_groups(&self) -> Vec<u16> {
        let mut out = Vec::new();
        let Some(v) = self.ext(51) else { return out };
        let mut p = 2usize;
        while p + 4 <= v.len() {
            let g = u16::from_be_bytes([v[p], v[p + 1]]);
            let n = usize::from(u16::from_be_bytes([v[p + 2], v[p + 3]]));
            out.push(g);
            p += 4 + n;
        }
        out
    }

    /// Does the server_name extension hold a name OpenSSL refuses with
    /// unrecognized_name (a NUL byte, or longer than 255 bytes)?
    pub fn sni_is_unusable(&self) -> bool {
        let Some(e) = self.ext(0) else { return false };
        let mut p = 2usize;
        while p + 3 <= e.len() {
            let n = usize::from(u16::from_be_bytes([e[p + 1], e[p + 2]]));
            let name = &e[(p + 3).min(e.len())..(p + 3 + n).min(e.len())];
            if e[p] == 0 && (name.len() > 255 || name.contains(&0)) {
                return true;
            }
            p += 3 + n;
        }
        false
    }

    /// The client's signature_algorithms, in its order of preference.
    pub fn sigalgs(&self) -> Vec<u16> {
        match self.ext(13) {
            Some(v) if v.len() >= 2 => v[2..].chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect(),
            _ => Vec::new(),
        }
    }

    /// Did the client offer a session ticket extension (TLS 1.2)?
    pub fn offers_ticket(&self) -> bool {
        self.ext(35).is_some()
    }

    /// Does the client offer nothing newer than TLS 1.1?
    pub fn offers_only_legacy_versions(&self) -> bool {
        match self.ext(43) {
            Some(v) if v.len() > 1 => !v[1..].chunks(2).any(|c| c.len() == 2 && u16::from_be_bytes([c[0], c[1]]) >= 0x0303),
            _ => self.legacy_version < 0x0303,
        }
    }

    /// Did the client ask for OCSP stapling (status_request, type 5)?
    pub fn wants_ocsp(&self) -> bool {
        self.ext(5).is_some()
    }

    /// The DER `Extensions` of an OCSP status_request (RFC 6066 section 8:
    /// `status_type` ocsp(1), responder IDs, then request extensions), for
    /// `SSL_get_tlsext_status_exts`; `None` when absent, empty or malformed.
    pub fn ocsp_request_extensions(&self) -> Option<&[u8]> {
        let e = self.ext(5)?;
        if *e.first()? != 1 {
            return None;
        }
        let mut r = Reader { b: e, pos: 1 };
        r.vec16()?;
        let (s, end) = r.vec16()?;
        (r.pos == e.len() && end > s).then(|| &e[s..end])
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn u16(&mut self) -> Option<u16> {
        let v = self.b.get(self.pos..self.pos + 2)?;
        self.pos += 2;
        Some(u16::from_be_bytes([v[0], v[1]]))
    }
    fn skip(&mut self, n: usize) -> Option<()> {
        if self.pos + n > self.b.len() {
            return None;
        }
        self.pos += n;
        Some(())
    }
    fn vec8(&mut self) -> Option<(usize, usize)> {
        let n = usize::from(*self.b.get(self.pos)?);
        self.pos += 1;
        let s = self.pos;
        self.skip(n)?;
        Some((s, self.pos))
    }
    fn vec16(&mut self) -> Option<(usize, usize)> {
        let n = usize::from(self.u16()?);
        let s = self.pos;
        self.skip(n)?;
        Some((s, self.pos))
    }
}

/// Does a connection that failed to parse as TLS start like plain HTTP?
/// (OpenSSL reports `SSL_R_HTTP_REQUEST` so mod_ssl can answer 400.)
pub fn looks_like_http(first: &[u8]) -> Option<bool> {
    const METHODS: [&[u8]; 4] = [b"GET ", b"POST ", b"HEAD ", b"PUT "];
    if METHODS.iter().any(|m| first.starts_with(m)) {
        return Some(true);
    }
    if first.starts_with(b"CONNE") {
        return Some(false);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(body: &[u8]) -> Vec<u8> {
        let mut hs = vec![1, 0, (body.len() >> 8) as u8, body.len() as u8];
        hs.extend_from_slice(body);
        let mut r = vec![22, 3, 1, (hs.len() >> 8) as u8, hs.len() as u8];
        r.extend_from_slice(&hs);
        r
    }

    #[test]
    fn parses_extensions() {
        let mut b = vec![3, 3];
        b.extend([0u8; 32]);
        b.push(0); // session id
        b.extend([0, 2, 0x13, 0x01]); // suites
        b.extend([1, 0]); // compression
        let sni = [0u8, 9, 0, 0, 6, b'a', b'.', b't', b'e', b's', b't'];
        let mut exts = vec![0, 0, 0, sni.len() as u8];
        exts.extend(sni);
        exts.extend([0, 16, 0, 5, 0, 3, 2, b'h', b'2']);
        b.extend([(exts.len() >> 8) as u8, exts.len() as u8]);
        b.extend(exts);
        let h = RawHello::from_records(&record(&b)).unwrap();
        assert_eq!(h.legacy_version, 0x0303);
        assert_eq!(h.ext(0).unwrap(), &sni);
        assert_eq!(h.alpn_wire().unwrap(), &[2, b'h', b'2']);
        assert!(!h.wants_ocsp());
        assert_eq!(h.cipher_suites(), &[0x13, 0x01]);
    }

    fn with_status_request(ext: &[u8]) -> RawHello {
        let mut b = vec![3, 3];
        b.extend([0u8; 32]);
        b.extend([0, 0, 2, 0x13, 0x01, 1, 0]);
        let mut exts = vec![0, 5, (ext.len() >> 8) as u8, ext.len() as u8];
        exts.extend(ext);
        b.extend([(exts.len() >> 8) as u8, exts.len() as u8]);
        b.extend(exts);
        RawHello::from_records(&record(&b)).unwrap()
    }

    #[test]
    fn ocsp_request_extensions() {
        // ocsp, no responder IDs, request extensions = 4 bytes.
        let h = with_status_request(&[1, 0, 0, 0, 4, 0x30, 2, 5, 0]);
        assert!(h.wants_ocsp());
        assert_eq!(h.ocsp_request_extensions(), Some(&[0x30, 2, 5, 0][..]));
        assert_eq!(with_status_request(&[1, 0, 0, 0, 0]).ocsp_request_extensions(), None);
        assert_eq!(with_status_request(&[2, 0, 0, 0, 0]).ocsp_request_extensions(), None);
        assert_eq!(with_status_request(&[1, 0, 0, 0, 9, 0x30]).ocsp_request_extensions(), None);
        assert_eq!(with_status_request(&[1, 0, 0, 0, 1, 0x30, 0]).ocsp_request_extensions(), None);
    }

    #[test]
    fn garbage_is_none() {
        assert!(RawHello::from_records(&[22, 3, 1, 0, 4, 1, 0, 0, 9]).is_none());
        assert!(RawHello::from_records(&[0xff; 100]).is_none());
        assert!(RawHello::from_records(&[]).is_none());
    }

    #[test]
    fn http_detection() {
        assert_eq!(looks_like_http(b"GET / HTTP/1.0"), Some(true));
        assert_eq!(looks_like_http(b"CONNECT x:443"), Some(false));
        assert_eq!(looks_like_http(&[22, 3, 1]), None);
    }
}
