/*
 * connect_load: new-tunnel-per-second load generator for bench/run.sh.
 *
 * Each worker thread loops until the deadline:
 *   TCP connect (to the proxy, or straight to the origin with --direct)
 *   -> "CONNECT <target> HTTP/1.1" and wait for a 2xx head   (skipped with --direct)
 *   -> full TLS handshake (SNI + certificate and host name verification, no session resumption)
 *   -> GET <path> with "Connection: close", read the whole Content-Length body
 *   -> close.
 * One completed iteration = one tunnel. Prints one line:
 *   tunnels=<n> errors=<n> seconds=<s> rate=<tunnels per second>
 *
 * With --keepalive each thread keeps one tunnel (connection) and sends GET after GET on it
 * (keep-alive), reconnecting only after an error; then "tunnels" counts requests and "rate" is
 * requests per second. --hold N --connections C instead opens C tunnels (CONNECT + handshake + one
 * GET each), keeps them idle for N seconds, prints "held=<n> errors=<n>", and closes them (for
 * memory per idle connection).
 *
 * Build: gcc -O2 -o connect_load connect_load.c -lssl -lcrypto -lpthread
 * Usage: connect_load --connect 127.0.0.1:PORT [--target host:port] [--direct]
 *                     --sni NAME --ca CA.pem [--path /1k] [--threads 16] [--seconds 5]
 *                     [--keepalive] [--hold SECONDS --connections N] [--host HOST-HEADER]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in g_addr;
static const char *g_target = NULL;
static const char *g_sni = "origin.bench.test";
static const char *g_path = "/1k";
static const char *g_host = NULL;   /* Host header (default: the SNI) */
static int g_direct = 0;
static int g_keepalive = 0;
static SSL_CTX *g_ctx;
static double g_deadline;
static atomic_long g_ok, g_err;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_hostport(const char *s, struct sockaddr_in *out) {
    char host[256];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host) return -1;
    memcpy(host, s, colon - s);
    host[colon - s] = 0;
    memset(out, 0, sizeof *out);
    out->sin_family = AF_INET;
    out->sin_port = htons((unsigned short)atoi(colon + 1));
    return inet_pton(AF_INET, host, &out->sin_addr) == 1 ? 0 : -1;
}

/* Reads a response head (bounded) from fd; returns 0 if the status is 2xx. */
static int read_connect_reply(int fd) {
    char buf[8192];
    size_t n = 0;
    while (n < sizeof buf - 1) {
        ssize_t r = recv(fd, buf + n, 1, 0); /* byte-wise: never read past the head */
        if (r <= 0) return -1;
        n += (size_t)r;
        buf[n] = 0;
        if (n >= 4 && memcmp(buf + n - 4, "\r\n\r\n", 4) == 0) break;
    }
    if (n < 12 || strncmp(buf, "HTTP/1.", 7) != 0 || buf[9] != '2') return -1;
    return 0;
}

/* TCP connect, CONNECT (unless --direct), TLS handshake. Returns the SSL (fd inside) or NULL. */
static SSL *open_tunnel(void) {
    SSL *ssl = NULL;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return NULL;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&g_addr, sizeof g_addr) != 0) goto fail;
    if (!g_direct) {
        char req[512];
        int len = snprintf(req, sizeof req, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", g_target, g_target);
        if (len <= 0 || (size_t)len >= sizeof req) goto fail;
        if (send(fd, req, (size_t)len, MSG_NOSIGNAL) != len) goto fail;
        if (read_connect_reply(fd) != 0) goto fail;
    }
    ssl = SSL_new(g_ctx);
    if (!ssl) goto fail;
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, g_sni);
    SSL_set1_host(ssl, g_sni);
    if (SSL_connect(ssl) != 1) goto fail;
    return ssl;
fail:
    if (ssl) SSL_free(ssl);
    close(fd);
    return NULL;
}

/* One GET on an open tunnel; reads exactly the head and Content-Length body. 0 on a 200. */
static int one_get(SSL *ssl, int keepalive) {
    char req[512];
    int len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", g_path, g_host ? g_host : g_sni,
                       keepalive ? "" : "Connection: close\r\n");
    if (SSL_write(ssl, req, len) != len) return -1;
    /* Read the head, then Content-Length bytes of body (bounded buffer, body is discarded). */
    char buf[16384];
    size_t have = 0;
    long body_needed = -1, body_got = 0;
    for (int iter = 0; iter < 100000; iter++) {
        if (body_needed < 0) {
            int r = SSL_read(ssl, buf + have, (int)(sizeof buf - 1 - have));
            if (r <= 0) return -1;
            have += (size_t)r;
            buf[have] = 0;
            char *end = strstr(buf, "\r\n\r\n");
            if (!end) {
                if (have >= sizeof buf - 1) return -1;
                continue;
            }
            if (strncmp(buf, "HTTP/1.1 200", 12) != 0) return -1;
            char *cl = strcasestr(buf, "\r\ncontent-length:");
            if (!cl || cl > end) return -1;
            body_needed = atol(cl + 17);
            body_got = (long)(have - (size_t)(end + 4 - buf));
        } else {
            long left = body_needed - body_got;
            int r = SSL_read(ssl, buf, left < (long)sizeof buf ? (int)left : (int)sizeof buf);
            if (r <= 0) return -1;
            body_got += r;
        }
        if (body_needed >= 0 && body_got >= body_needed) return body_got == body_needed ? 0 : -1;
    }
    return -1;
}

static void close_tunnel(SSL *ssl, int clean) {
    int fd = SSL_get_fd(ssl);
    if (clean) SSL_shutdown(ssl);
    SSL_free(ssl);
    close(fd);
}

static int one_tunnel(void) {
    SSL *ssl = open_tunnel();
    if (!ssl) return -1;
    int rc = one_get(ssl, 0);
    close_tunnel(ssl, rc == 0);
    return rc;
}

static void *worker(void *arg) {
    (void)arg;
    if (g_keepalive) {
        SSL *ssl = NULL;
        while (now() < g_deadline) {
            if (!ssl && !(ssl = open_tunnel())) { atomic_fetch_add(&g_err, 1); continue; }
            if (one_get(ssl, 1) == 0) { atomic_fetch_add(&g_ok, 1); continue; }
            atomic_fetch_add(&g_err, 1);
            close_tunnel(ssl, 0);
            ssl = NULL;
        }
        if (ssl) close_tunnel(ssl, 1);
        return NULL;
    }
    while (now() < g_deadline) {
        if (one_tunnel() == 0) atomic_fetch_add(&g_ok, 1);
        else atomic_fetch_add(&g_err, 1);
    }
    return NULL;
}

int main(int argc, char **argv) {
    const char *connect_to = NULL, *ca = NULL;
    int threads = 16, connections = 0;
    double seconds = 5, hold = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--direct")) { g_direct = 1; continue; }
        if (!strcmp(a, "--keepalive")) { g_keepalive = 1; continue; }
        if (!v) { fprintf(stderr, "missing value for %s\n", a); return 2; }
        if (!strcmp(a, "--connect")) connect_to = v;
        else if (!strcmp(a, "--target")) g_target = v;
        else if (!strcmp(a, "--sni")) g_sni = v;
        else if (!strcmp(a, "--ca")) ca = v;
        else if (!strcmp(a, "--path")) g_path = v;
        else if (!strcmp(a, "--host")) g_host = v;
        else if (!strcmp(a, "--threads")) threads = atoi(v);
        else if (!strcmp(a, "--seconds")) seconds = atof(v);
        else if (!strcmp(a, "--hold")) hold = atof(v);
        else if (!strcmp(a, "--connections")) connections = atoi(v);
        else { fprintf(stderr, "unknown option %s\n", a); return 2; }
        i++;
    }
    if (!connect_to || !ca || (!g_direct && !g_target) || threads < 1 || threads > 1024 ||
        seconds <= 0 || seconds > 600 || parse_hostport(connect_to, &g_addr) != 0) {
        fprintf(stderr, "usage: connect_load --connect IP:PORT (--target HOST:PORT | --direct) --ca CA.pem "
                        "[--sni NAME] [--path /1k] [--threads N] [--seconds S]\n");
        return 2;
    }
    g_ctx = SSL_CTX_new(TLS_client_method());
    if (!g_ctx || SSL_CTX_load_verify_locations(g_ctx, ca, NULL) != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    SSL_CTX_set_verify(g_ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_min_proto_version(g_ctx, TLS1_2_VERSION);
    SSL_CTX_set_session_cache_mode(g_ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(g_ctx, SSL_OP_NO_TICKET);

    if (hold > 0) {
        /* Idle connections: open them one by one (each with one GET), hold, close. */
        if (connections < 1 || connections > 100000) { fprintf(stderr, "--hold needs --connections 1..100000\n"); return 2; }
        SSL **held = calloc((size_t)connections, sizeof *held);
        long n = 0, errors = 0;
        for (int i = 0; i < connections; i++) {
            SSL *ssl = open_tunnel();
            if (ssl && one_get(ssl, 1) == 0) held[n++] = ssl;
            else { errors++; if (ssl) close_tunnel(ssl, 0); }
        }
        printf("held=%ld errors=%ld\n", n, errors);
        fflush(stdout);
        struct timespec ts = {(time_t)hold, (long)((hold - (time_t)hold) * 1e9)};
        nanosleep(&ts, NULL);
        for (long i = 0; i < n; i++) close_tunnel(held[i], 1);
        free(held);
        SSL_CTX_free(g_ctx);
        return 0;
    }
    pthread_t tids[1024];
    double start = now();
    g_deadline = start + seconds;
    int started = 0;
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&tids[i], NULL, worker, NULL) != 0) break;
        started++;
    }
    for (int i = 0; i < started; i++) pthread_join(tids[i], NULL);
    double elapsed = now() - start;
    long ok = atomic_load(&g_ok), err = atomic_load(&g_err);
    printf("tunnels=%ld errors=%ld seconds=%.3f rate=%.1f\n", ok, err, elapsed, ok / elapsed);
    SSL_CTX_free(g_ctx);
    return 0;
}
