#ifndef TLSGATE_CSHIMS_H
#define TLSGATE_CSHIMS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <openssl/ssl.h>

// ---- OpenSSL: macros the Swift importer cannot see. One line each. ----

/// SSL_CTX_set_min_proto_version is a macro over SSL_CTX_ctrl.
int tg_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
/// SSL_CTX_set_max_proto_version is a macro over SSL_CTX_ctrl.
int tg_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version);
/// SSL_CTX_set_mode is a macro over SSL_CTX_ctrl.
long tg_SSL_CTX_set_mode(SSL_CTX *ctx, long mode);
/// SSL_CTX_set_options takes a uint64_t in 3.x but the SSL_OP_* values are macros.
uint64_t tg_SSL_CTX_set_options(SSL_CTX *ctx, uint64_t options);
/// SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE are macros.
uint64_t tg_default_ssl_options(void);
/// SSL_MODE_* flags are macros: partial writes, moving write buffer. (Not RELEASE_BUFFERS: it frees
/// and re-allocates 80 KiB of record buffers on every request; idle connections call SSL_free_buffers.)
long tg_default_ssl_mode(void);
/// SSL_set_tlsext_host_name is a macro over SSL_ctrl (sets SNI).
int tg_SSL_set_tlsext_host_name(SSL *ssl, const char *name);
/// SSL_CTX_set_read_ahead is a macro over SSL_CTX_ctrl (read whole socket buffers, not record by record).
void tg_SSL_CTX_set_read_ahead(SSL_CTX *ctx, int yes);
/// SSL_set_app_data / SSL_get_app_data are macros over SSL_set_ex_data(ssl, 0, ...).
int tg_SSL_set_app_data(SSL *ssl, void *data);
void *tg_SSL_get_app_data(const SSL *ssl);
/// SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE are macros.
long tg_client_session_cache_mode(void);
/// SSL_CTX_set1_sigalgs_list is a macro over SSL_CTX_ctrl.
int tg_SSL_CTX_set1_sigalgs_list(SSL_CTX *ctx, const char *list);
/// SSL_CTX_set1_groups_list is a macro over SSL_CTX_ctrl.
int tg_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list);
/// SSL_CTX_set_session_cache_mode is a macro over SSL_CTX_ctrl.
long tg_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode);
/// TLS1_2_VERSION / TLS1_3_VERSION / TLS1_1_VERSION are macros the importer may not see as Int32.
int tg_TLS1_VERSION(void);
int tg_TLS1_1_VERSION(void);
int tg_TLS1_2_VERSION(void);
int tg_TLS1_3_VERSION(void);
/// ERR_GET_LIB / ERR_GET_REASON are inline functions/macros in 3.x.
int tg_ERR_GET_LIB(unsigned long e);
int tg_ERR_GET_REASON(unsigned long e);
/// OPENSSL_VERSION_TEXT is a macro string.
const char *tg_openssl_version_text(void);
/// BIO_get_mem_data is a macro over BIO_ctrl (the bytes a memory BIO holds).
long tg_BIO_get_mem_data(BIO *bio, char **data);

// ---- OpenSSL: the server role (TLS interception's client side). ----

/// BIO_set_mem_eof_return is a macro over BIO_ctrl: an empty memory BIO says "retry", not EOF.
void tg_BIO_set_mem_eof_return(BIO *bio, int value);
/// SSL_add1_chain_cert is a macro over SSL_ctrl: one intermediate sent after the leaf.
int tg_SSL_add1_chain_cert(SSL *ssl, X509 *cert);
/// The client-role mode plus SSL_MODE_RELEASE_BUFFERS: an idle intercepted connection holds no record buffers.
long tg_server_ssl_mode(void);
/// ALPN on the server side: selects "http/1.1" when the client offers it, else no ALPN (the
/// callback needs a C function pointer; the list is a static constant).
void tg_SSL_CTX_select_alpn_http11(SSL_CTX *ctx);
/// The ALPN select callback offering `h2` (preferred) and `http/1.1` (HTTP/2 interception).
void tg_SSL_CTX_select_alpn_h2_http11(SSL_CTX *ctx);

// ---- glibc calls Swift's Glibc module hides without _GNU_SOURCE. ----

/// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC. Returns -1 and sets errno on failure.
int tg_accept_nonblocking(int fd, struct sockaddr *addr, socklen_t *len);
/// socketpair(2) of AF_UNIX stream sockets with SOCK_NONBLOCK | SOCK_CLOEXEC.
int tg_socketpair_nonblocking(int fds[2]);
/// socket(2) with SOCK_NONBLOCK | SOCK_CLOEXEC.
int tg_socket_nonblocking(int domain, int type, int protocol);
/// pipe2(2) with O_NONBLOCK | O_CLOEXEC.
int tg_pipe_nonblocking(int fds[2]);
/// splice(2) with SPLICE_F_MOVE | SPLICE_F_NONBLOCK.
ssize_t tg_splice(int fd_in, int fd_out, size_t len);
/// F_SETPIPE_SZ is Linux-only.
int tg_set_pipe_size(int fd, int size);
/// SOCK_STREAM is an enum member in glibc's headers that Swift imports inconsistently.
int tg_sock_stream(void);
/// sendmsg(2) of two buffers with MSG_NOSIGNAL: a response head and the body bytes behind it in one call.
ssize_t tg_send2(int fd, const void *a, size_t alen, const void *b, size_t blen);
/// send(2) with MSG_NOSIGNAL (no SIGPIPE on a closed peer).
ssize_t tg_send(int fd, const void *buf, size_t len);


// ---- epoll / eventfd: the event loops' readiness and wake-up primitives. ----

/// epoll_create1(EPOLL_CLOEXEC).
int tg_epoll_create(void);
/// epoll_ctl(2) with the event mask and a 64-bit token; op is 1 add, 2 modify, 3 delete.
int tg_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t token);
/// epoll_wait(2) into parallel arrays (struct epoll_event is packed on x86-64, which Swift
/// imports badly): events[i] and tokens[i] for i < the return value.
int tg_epoll_wait(int epfd, uint32_t *events, uint64_t *tokens, int max, int timeout_ms);
/// EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP are enum members glibc defines as macros too.
uint32_t tg_epollin(void);
uint32_t tg_epollout(void);
uint32_t tg_epollerr_hup(void);
/// EPOLLEXCLUSIVE: of the loops watching one listening socket, wake one per connection.
uint32_t tg_epollexclusive(void);
/// eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC).
int tg_eventfd(void);

/// malloc_trim(3) (malloc.h is not part of Swift's Glibc module): give freed heap back to the OS.
int tg_malloc_trim(void);

// ---- libcrypt ----

/// crypt_r(3) check of `password` against a crypt hash ($6$, $5$, $y$, $2b$...), constant-time
/// compare. Returns 1 on a match, 0 otherwise (including unsupported hashes).
int tg_crypt_verify(const char *password, const char *hash);

// ---- OpenSSL for the local CA (TLSGateCA). ----

/// EVP_EC_gen is a macro over the variadic EVP_PKEY_Q_keygen: a new ECDSA P-256 key.
EVP_PKEY *tg_EVP_EC_gen_p256(void);
/// The same EC key as a legacy (EC_KEY-backed) EVP_PKEY, NULL on failure. Why: OpenSSL 3.0's
/// X509_set_pubkey looks up an encoder for a provider key (~300 us under global locks) but takes
/// the direct legacy path for this one; the leaf key is set on every minted leaf.
EVP_PKEY *tg_EVP_PKEY_legacy_ec_copy(EVP_PKEY *key);

#endif
