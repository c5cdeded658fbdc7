/*
 * The C boundary: NULL and out-of-range arguments get OpenSSL's documented
 * failure value (never a crash), failures leave an error on libcrypto's
 * queue, and a panic inside the library (injected with SSLSHIM_PANIC_TEST)
 * returns the failure value instead of unwinding into the caller.
 * Run against sslshim only: OpenSSL itself crashes on several of these.
 * Prints one line per check; exits non-zero if any check failed.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, what)                                                \
    do {                                                                 \
        if (cond) {                                                      \
            printf("ok   %s\n", what);                                   \
        } else {                                                         \
            printf("FAIL %s\n", what);                                   \
            failures++;                                                  \
        }                                                                \
    } while (0)

static int queued(void)
{
    unsigned long e = ERR_peek_error();
    ERR_clear_error();
    return e != 0;
}

int main(void)
{
    char buf[16];
    OPENSSL_init_ssl(0, NULL);

    CHECK(SSL_CTX_new(NULL) == NULL && queued(), "SSL_CTX_new(NULL) -> NULL + error");
    CHECK(SSL_new(NULL) == NULL && queued(), "SSL_new(NULL) -> NULL + error");
    CHECK(SSL_read(NULL, buf, sizeof buf) == -1 && queued(), "SSL_read(NULL) -> -1 + error");
    CHECK(SSL_write(NULL, buf, sizeof buf) == -1 && queued(), "SSL_write(NULL) -> -1 + error");
    CHECK(SSL_accept(NULL) == -1 && queued(), "SSL_accept(NULL) -> -1 + error");
    CHECK(SSL_shutdown(NULL) == -1 && queued(), "SSL_shutdown(NULL) -> -1 + error");
    CHECK(SSL_CTX_ctrl(NULL, 33, 0, NULL) == 0 && queued(), "SSL_CTX_ctrl(NULL) -> 0 + error");
    CHECK(SSL_get_version(NULL) == NULL && queued(), "SSL_get_version(NULL) -> NULL + error");
    CHECK(strcmp(SSL_CIPHER_get_name(NULL), "(NONE)") == 0, "SSL_CIPHER_get_name(NULL) -> \"(NONE)\"");
    SSL_free(NULL);
    SSL_CTX_free(NULL);
    SSL_SESSION_free(NULL);
    CHECK(!queued(), "*_free(NULL) is a no-op");

    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    CHECK(ctx != NULL, "SSL_CTX_new(TLS_server_method())");
    CHECK(SSL_CTX_set_cipher_list(ctx, NULL) == 0 && queued(), "set_cipher_list(NULL) -> 0 + error");
    CHECK(SSL_CTX_set_cipher_list(ctx, "NO-SUCH-CIPHER") == 0 && queued(), "set_cipher_list(unknown) -> 0 + error");
    CHECK(SSL_CTX_use_certificate_file(ctx, "/nonexistent", SSL_FILETYPE_PEM) == 0 && queued(), "use_certificate_file(missing) -> 0 + error");
    CHECK(SSL_CTX_use_certificate_file(ctx, "/etc/hostname", 99) == 0 && queued(), "use_certificate_file(bad type) -> 0 + error");
    CHECK(SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"0123456789012345678901234567890123456789", 40) == 0 && queued(), "sid_ctx of 40 bytes -> 0 + error");
    CHECK(SSL_CTX_set_min_proto_version(ctx, 0x9999) == 0, "min_proto_version(0x9999) -> 0");
    CHECK(SSL_CTX_ctrl(ctx, 4242, 0, NULL) == 0 && queued(), "unknown ctrl -> 0 + error");

    SSL *ssl = SSL_new(ctx);
    CHECK(ssl != NULL, "SSL_new");
    CHECK(SSL_read(ssl, buf, -1) == -1 && queued(), "SSL_read(len -1) -> -1 + error");
    CHECK(SSL_read(ssl, NULL, 10) == -1 && queued(), "SSL_read(NULL buffer) -> -1 + error");
    CHECK(SSL_do_handshake(ssl) == -1 && SSL_get_error(ssl, -1) == SSL_ERROR_SSL, "handshake without BIO -> SSL_ERROR_SSL");
    ERR_clear_error();
    CHECK(SSL_set_session_id_context(ssl, (const unsigned char *)"x", 33) == 0 && queued(), "SSL sid_ctx of 33 bytes -> 0 + error");
    CHECK(SSL_renegotiate(ssl) == 0 && queued(), "SSL_renegotiate -> 0 + error (no renegotiation)");
    CHECK(SSL_verify_client_post_handshake(ssl) == 0 && queued(), "SSL_verify_client_post_handshake -> 0 + error");
    CHECK(SSL_get_srp_username(ssl) == NULL, "SSL_get_srp_username -> NULL");

    SSL_free(ssl);
    SSL_CTX_free(ctx);
    printf("%d failure(s)\n", failures);
    return failures ? 1 : 0;
}
