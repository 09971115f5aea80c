#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/opensslv.h>
#include <openssl/ec.h>
#include <crypt.h>
#include <stdlib.h>
#include <string.h>
#include "CShims.h"

#include <malloc.h>
int tg_malloc_trim(void) { return malloc_trim(0); }

int tg_crypt_verify(const char *password, const char *hash) {
    struct crypt_data *data = calloc(1, sizeof(struct crypt_data));
    if (data == NULL) return 0;
    const char *out = crypt_r(password, hash, data);
    int ok = 0;
    if (out != NULL && out[0] != '*') {
        size_t a = strlen(out), b = strlen(hash);
        unsigned char diff = (unsigned char)(a != b);
        for (size_t i = 0; i < a && i < b; i++) diff |= (unsigned char)(out[i] ^ hash[i]);
        ok = diff == 0;
    }
    explicit_bzero(data, sizeof(struct crypt_data));
    free(data);
    return ok;
}

int tg_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) { return (int)SSL_CTX_set_min_proto_version(ctx, version); }
int tg_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) { return (int)SSL_CTX_set_max_proto_version(ctx, version); }
long tg_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
uint64_t tg_SSL_CTX_set_options(SSL_CTX *ctx, uint64_t options) { return SSL_CTX_set_options(ctx, options); }
uint64_t tg_default_ssl_options(void) { return SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE; }
long tg_default_ssl_mode(void) { return SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER; }
int tg_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return (int)SSL_set_tlsext_host_name(ssl, name); }
void tg_SSL_CTX_set_read_ahead(SSL_CTX *ctx, int yes) { SSL_CTX_set_read_ahead(ctx, yes); }
int tg_SSL_set_app_data(SSL *ssl, void *data) { return SSL_set_app_data(ssl, data); }
void *tg_SSL_get_app_data(const SSL *ssl) { return SSL_get_app_data(ssl); }
long tg_client_session_cache_mode(void) { return SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE; }
int tg_SSL_CTX_set1_sigalgs_list(SSL_CTX *ctx, const char *list) { return (int)SSL_CTX_set1_sigalgs_list(ctx, list); }
int tg_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) { return (int)SSL_CTX_set1_groups_list(ctx, list); }
long tg_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_session_cache_mode(ctx, mode); }
int tg_TLS1_VERSION(void) { return TLS1_VERSION; }
int tg_TLS1_1_VERSION(void) { return TLS1_1_VERSION; }
int tg_TLS1_2_VERSION(void) { return TLS1_2_VERSION; }
int tg_TLS1_3_VERSION(void) { return TLS1_3_VERSION; }
int tg_ERR_GET_LIB(unsigned long e) { return ERR_GET_LIB(e); }
int tg_ERR_GET_REASON(unsigned long e) { return ERR_GET_REASON(e); }
const char *tg_openssl_version_text(void) { return OPENSSL_VERSION_TEXT; }
long tg_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }

// ---- OpenSSL: the server role ----

void tg_BIO_set_mem_eof_return(BIO *bio, int value) { (void)BIO_set_mem_eof_return(bio, value); }
int tg_SSL_add1_chain_cert(SSL *ssl, X509 *cert) { return (int)SSL_add1_chain_cert(ssl, cert); }
long tg_server_ssl_mode(void) { return SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS; }
static const unsigned char tg_alpn_http11[] = { 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
static int tg_alpn_select_http11(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                                 const unsigned char *in, unsigned int inlen, void *arg) {
    (void)ssl; (void)arg;
    unsigned char *selected = NULL;
    if (SSL_select_next_proto(&selected, outlen, tg_alpn_http11, sizeof tg_alpn_http11, in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}
void tg_SSL_CTX_select_alpn_http11(SSL_CTX *ctx) { SSL_CTX_set_alpn_select_cb(ctx, tg_alpn_select_http11, NULL); }
// HTTP/2 interception: h2 preferred when the client offers it, else http/1.1 (server order).
static const unsigned char tg_alpn_h2_http11[] = { 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
static int tg_alpn_select_h2_http11(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                                    const unsigned char *in, unsigned int inlen, void *arg) {
    (void)ssl; (void)arg;
    unsigned char *selected = NULL;
    if (SSL_select_next_proto(&selected, outlen, tg_alpn_h2_http11, sizeof tg_alpn_h2_http11, in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}
void tg_SSL_CTX_select_alpn_h2_http11(SSL_CTX *ctx) { SSL_CTX_set_alpn_select_cb(ctx, tg_alpn_select_h2_http11, NULL); }

int tg_socketpair_nonblocking(int fds[2]) { return socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds); }
int tg_accept_nonblocking(int fd, struct sockaddr *addr, socklen_t *len) { return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC); }
int tg_socket_nonblocking(int domain, int type, int protocol) { return socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol); }
int tg_pipe_nonblocking(int fds[2]) { return pipe2(fds, O_NONBLOCK | O_CLOEXEC); }
ssize_t tg_splice(int fd_in, int fd_out, size_t len) { return splice(fd_in, NULL, fd_out, NULL, len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK); }
int tg_set_pipe_size(int fd, int size) { return fcntl(fd, F_SETPIPE_SZ, size); }
ssize_t tg_send2(int fd, const void *a, size_t alen, const void *b, size_t blen) {
    struct iovec iov[2] = { { (void *)a, alen }, { (void *)b, blen } };
    struct msghdr msg = { 0 };
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    return sendmsg(fd, &msg, MSG_NOSIGNAL);
}
ssize_t tg_send(int fd, const void *buf, size_t len) { return send(fd, buf, len, MSG_NOSIGNAL); }
int tg_sock_stream(void) { return SOCK_STREAM; }

// ---- epoll / eventfd ----

int tg_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int tg_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t token) {
    struct epoll_event ev = { .events = events, .data = { .u64 = token } };
    int real = op == 1 ? EPOLL_CTL_ADD : op == 2 ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
    return epoll_ctl(epfd, real, fd, &ev);
}

int tg_epoll_wait(int epfd, uint32_t *events, uint64_t *tokens, int max, int timeout_ms) {
    struct epoll_event list[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, list, max, timeout_ms);
    for (int i = 0; i < n; i++) { events[i] = list[i].events; tokens[i] = list[i].data.u64; }
    return n;
}

uint32_t tg_epollin(void) { return EPOLLIN; }
uint32_t tg_epollout(void) { return EPOLLOUT; }
uint32_t tg_epollerr_hup(void) { return EPOLLERR | EPOLLHUP; }
uint32_t tg_epollexclusive(void) { return EPOLLEXCLUSIVE; }
int tg_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

// ---- OpenSSL for the local CA (TLSGateCA) ----

EVP_PKEY *tg_EVP_EC_gen_p256(void) { return EVP_EC_gen("P-256"); }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
EVP_PKEY *tg_EVP_PKEY_legacy_ec_copy(EVP_PKEY *key) {
    EVP_PKEY *out = EVP_PKEY_new();
    EC_KEY *ec = EVP_PKEY_get1_EC_KEY(key);
    if (out == NULL || ec == NULL || EVP_PKEY_assign_EC_KEY(out, ec) != 1) { EC_KEY_free(ec); EVP_PKEY_free(out); return NULL; }
    return out;
}
#pragma GCC diagnostic pop
