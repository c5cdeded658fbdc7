/*
 * Run with SSLSHIM_PANIC_TEST=SSL_CTX_new: the library panics inside that
 * entry point; the panic must be caught: SSL_CTX_new returns NULL with an
 * "internal error" on the queue and the process goes on (other calls work).
 */
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    char msg[256];
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    unsigned long e = ERR_get_error();
    ERR_error_string_n(e, msg, sizeof msg);
    printf("SSL_CTX_new -> %p, error: %s\n", (void *)ctx, msg);
    if (ctx != NULL || e == 0 || strstr(msg, "internal error") == NULL)
        return 1;
    /* The library still works after the caught panic. */
    const SSL_METHOD *m = TLS_client_method();
    printf("TLS_client_method -> %p\n", (const void *)m);
    return m ? 0 : 1;
}
