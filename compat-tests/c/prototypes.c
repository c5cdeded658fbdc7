/*
 * Compiled with -Wall -Wextra -Werror by the ABI test: includes OpenSSL's own
 * <openssl/ssl.h> and the header cbindgen generates from sslshim's exports.
 * Any exported function whose prototype disagrees with OpenSSL's is a
 * "conflicting types" error, so this file compiling proves the C ABI matches.
 */
#include <openssl/ssl.h>
#include <openssl/sslshim.h>

int main(void)
{
    /* Take the address of a few entry points so the file links against
     * whichever libssl is first on the path (ours in the test). */
    volatile const void *p[] = {
        (const void *)SSL_new, (const void *)SSL_CTX_new, (const void *)SSL_read,
        (const void *)SSL_write, (const void *)TLS_server_method,
    };
    (void)p;
    return 0;
}
