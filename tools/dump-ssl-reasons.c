#include <openssl/ssl.h>
#include <openssl/err.h>
#include <stdio.h>
int main(void){ OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS,NULL);
 for (int r=1;r<1200;r++){ const char*s=ERR_reason_error_string(ERR_PACK(ERR_LIB_SSL,0,r)); if(s) printf("%d\t%s\n",r,s);} 
 printf("LIB\t%s\n", ERR_lib_error_string(ERR_PACK(ERR_LIB_SSL,0,0)));
 return 0;}
