/*
 * soak_client: many concurrent CONNECT tunnels from one epoll loop, for bench/soak.sh.
 *
 * Every tunnel:
 *   non-blocking TCP connect to the proxy (optionally from 127.0.0.2..127.0.0.(1+K))
 *   -> "CONNECT <target> HTTP/1.1", read the 2xx head
 *   -> TLS handshake through the tunnel (SNI, certificate + host name verified against --ca,
 *      no session resumption)
 *   -> GET <path>, read the whole Content-Length body
 *   -> hold mode:  keep the tunnel open and idle (keep-alive) until released;
 *      churn mode: close it (a short tunnel).
 *
 * New tunnels start at --rate per second with at most --inflight in setup at once, so a small
 * machine copes. Every step has a timeout (--op-timeout) and every phase a bound.
 *
 * Hold mode: once all --tunnels are open (or the ramp bound passed) it writes "ready" lines to
 * --ready-file and stderr, then holds until SIGUSR1/SIGTERM/SIGINT or --seconds. While holding,
 * a tunnel the proxy closes counts as "hold_closed". On release, with --recheck, every held
 * tunnel sends one more GET (proves it still works end to end), then all are closed.
 * Churn mode: starts tunnels at --rate for --seconds, each closed after its response.
 *
 * --spread K sends tunnel i to host "o<i % K>.<sni>" instead of <target>'s host (same port), to stay
 * under a per-upstream-host connection cap.
 *
 * --forward: forward-mode keep-alive clients instead of tunnels. Every connection:
 *   non-blocking TCP connect to the proxy -> plain absolute-form
 *   "GET http://<sni><path> HTTP/1.1" (Host, Connection: keep-alive; churn: Connection: close)
 *   -> read the whole Content-Length response -> hold: stay connected and silent; churn: close.
 * Same ramp, hold, release, recheck, bounds and timeouts as tunnels; "connect" is then the TCP
 * connect time and there is no TLS on the client side (tlsgate makes the upstream TLS itself).
 *
 * Output: one line of key=value on stdout (counts, errors by kind, latency p50/p99 in ms):
 *   connect  = TCP connect start -> CONNECT 2xx head received (tunnel set up by the proxy)
 *   tls      = TLS handshake through the tunnel
 *   get      = GET sent -> whole response read
 *   recheck  = the release-time GET on a held tunnel
 *
 * Build: gcc -O2 -o soak_client soak_client.c -lssl -lcrypto
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum state { S_FREE, S_TCP, S_CONNECT_SEND, S_CONNECT_REPLY, S_TLS, S_GET_SEND, S_GET_READ, S_IDLE, S_DRAIN };

enum err_kind {
    E_SOCKET, E_TCP, E_PROXY_CLOSED, E_PROXY_STATUS, E_TLS, E_HTTP,
    E_TIMEOUT_TCP, E_TIMEOUT_CONNECT, E_TIMEOUT_TLS, E_TIMEOUT_GET,
    E_HOLD_CLOSED, E_RECHECK, E_RECHECK_TIMEOUT, E_COUNT
};
static const char *err_names[E_COUNT] = {
    "err_socket", "err_tcp_connect", "err_proxy_closed", "err_proxy_status", "err_tls", "err_http",
    "err_timeout_tcp", "err_timeout_connect", "err_timeout_tls", "err_timeout_get",
    "hold_closed", "recheck_err", "recheck_timeout",
};

#define HEAD_MAX 4096

struct conn {
    int fd;
    enum state st;
    SSL *ssl;
    int recheck;          /* this exchange is the release-time GET */
    int hix;              /* host index (--spread) */
    size_t sent;          /* bytes of the CONNECT request (or plain forward GET) sent */
    double t0, t_phase, deadline;
    char *head;           /* response head accumulator (only while reading) */
    size_t head_len;
    long body_need, body_got;
};

struct samples { double *v; size_t n, cap; };

static struct conn *conns;
static size_t nconns;
static int ep;
static SSL_CTX *ctx;
static struct sockaddr_in proxy_addr;
static const char *target = "origin.bench.test:443", *sni = "origin.bench.test", *path = "/1k";
static int churn = 0, fwd = 0, nsources = 0, inflight = 0, inflight_max = 200;
static double op_timeout = 10;
static long errs[E_COUNT];
static long status_hist[6]; /* 1xx..5xx of non-2xx CONNECT replies; [0] = unparsable */
static long established, completed, recheck_ok, idle_now, started;
static struct samples s_connect, s_tls, s_get, s_recheck;
static volatile sig_atomic_t release_flag = 0;
static int err_msgs = 0;
#define MAX_SPREAD 64
static int spread = 1;
static char connect_req[MAX_SPREAD][600], get_req[MAX_SPREAD][600], host_name[MAX_SPREAD][300];
static int connect_len[MAX_SPREAD], get_len[MAX_SPREAD];

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_signal(int sig) { (void)sig; release_flag = 1; }

static void sample(struct samples *s, double v) {
    if (s->n < s->cap) s->v[s->n++] = v;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(struct samples *s, double p) {
    if (s->n == 0) return -1;
    qsort(s->v, s->n, sizeof(double), cmp_d);
    size_t i = (size_t)(p / 100.0 * (double)(s->n - 1) + 0.5);
    return s->v[i < s->n ? i : s->n - 1] * 1000.0;
}

static void note(const char *what, struct conn *c) {
    if (err_msgs >= 8) return;
    err_msgs++;
    unsigned long e = ERR_peek_last_error();
    char buf[256] = "";
    if (e) ERR_error_string_n(e, buf, sizeof buf);
    fprintf(stderr, "soak_client: %s (state %d, errno %d %s) %s\n", what, c->st, errno, strerror(errno), buf);
}

static void set_events(struct conn *c, unsigned ev) {
    struct epoll_event e = {.events = ev, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
}

static void release_conn(struct conn *c, int graceful) {
    if (c->st == S_FREE) return;
    if (c->st != S_IDLE) inflight--;
    else idle_now--;
    if (c->ssl) {
        if (graceful) SSL_shutdown(c->ssl); /* best effort close_notify; non-blocking */
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0) close(c->fd); /* also removes it from epoll */
    c->fd = -1;
    free(c->head);
    c->head = NULL;
    c->st = S_FREE;
}

static void fail(struct conn *c, enum err_kind k) {
    errs[k]++;
    if (k == E_TLS || k == E_HTTP || k == E_RECHECK) note(err_names[k], c);
    ERR_clear_error();
    release_conn(c, 0);
}

static void start_get(struct conn *c, double t) {
    c->st = S_GET_SEND;
    c->t_phase = t;
    c->deadline = t + op_timeout;
    c->head_len = 0;
    c->sent = 0;
    c->body_need = -1;
    c->body_got = 0;
    if (!c->head) c->head = malloc(HEAD_MAX);
    if (!c->head) { fail(c, E_SOCKET); return; }
    set_events(c, EPOLLOUT);
}

static void became_idle(struct conn *c) {
    free(c->head);
    c->head = NULL;
    c->st = S_IDLE;
    inflight--;
    idle_now++;
    c->deadline = 0;
    set_events(c, EPOLLIN | EPOLLRDHUP);
}

/* Opens one tunnel into slot c. */
static void open_conn(struct conn *c, double t) {
    started++;
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) { errs[E_SOCKET]++; c->st = S_FREE; c->fd = -1; return; }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (nsources > 0) {
        /* Spread source addresses over 127.0.0.2.. so ephemeral ports never run out. */
        struct sockaddr_in src = {.sin_family = AF_INET, .sin_port = 0};
        src.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)(started % nsources));
        setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (bind(c->fd, (struct sockaddr *)&src, sizeof src) != 0) {
            errs[E_SOCKET]++; close(c->fd); c->fd = -1; c->st = S_FREE; return;
        }
    }
    c->t0 = c->t_phase = t;
    c->deadline = t + op_timeout;
    c->st = S_TCP;
    c->hix = (int)(started % spread);
    inflight++;
    struct epoll_event e = {.events = EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e) != 0) { fail(c, E_SOCKET); return; }
    if (connect(c->fd, (struct sockaddr *)&proxy_addr, sizeof proxy_addr) != 0 && errno != EINPROGRESS)
        fail(c, E_TCP);
}

/* Drives c as far as it can go without blocking. */
static void step(struct conn *c, unsigned events) {
    double t = now();
    for (int guard = 0; guard < 64 && c->st != S_FREE; guard++) {
        switch (c->st) {
        case S_TCP: {
            int err = 0;
            socklen_t len = sizeof err;
            if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
            if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
                errno = err; fail(c, E_TCP); return;
            }
            if (fwd) {
                /* Forward mode: no CONNECT, no client TLS; the GET goes straight to the proxy. */
                sample(&s_connect, t - c->t0);
                start_get(c, t);
                if (c->st == S_FREE) return;
                break;
            }
            c->st = S_CONNECT_SEND;
            c->sent = 0;
            break;
        }
        case S_CONNECT_SEND: {
            ssize_t n = send(c->fd, connect_req[c->hix] + c->sent, (size_t)connect_len[c->hix] - c->sent, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EAGAIN) { set_events(c, EPOLLOUT); return; }
                fail(c, E_PROXY_CLOSED); return;
            }
            c->sent += (size_t)n;
            if (c->sent < (size_t)connect_len[c->hix]) { set_events(c, EPOLLOUT); return; }
            c->st = S_CONNECT_REPLY;
            set_events(c, EPOLLIN);
            return;
        }
        case S_CONNECT_REPLY: {
            /* Peek, then consume exactly the head: the bytes after it belong to TLS. */
            char buf[2048];
            ssize_t n = recv(c->fd, buf, sizeof buf - 1, MSG_PEEK);
            if (n < 0 && errno == EAGAIN) return;
            if (n <= 0) { fail(c, E_PROXY_CLOSED); return; }
            buf[n] = 0;
            char *end = memmem(buf, (size_t)n, "\r\n\r\n", 4);
            if (!end) {
                if (n >= (ssize_t)sizeof buf - 1) { fail(c, E_PROXY_STATUS); return; }
                return; /* level-triggered: wait for more */
            }
            size_t head = (size_t)(end + 4 - buf);
            if (recv(c->fd, buf, head, 0) != (ssize_t)head) { fail(c, E_PROXY_CLOSED); return; }
            if (head < 12 || strncmp(buf, "HTTP/1.", 7) != 0 || buf[9] != '2') {
                int cls = (head >= 12 && buf[9] >= '1' && buf[9] <= '5') ? buf[9] - '0' : 0;
                status_hist[cls]++;
                if (err_msgs < 8) { err_msgs++; fprintf(stderr, "soak_client: CONNECT reply: %.*s\n", 40, buf); }
                fail(c, E_PROXY_STATUS);
                return;
            }
            sample(&s_connect, t - c->t0);
            c->ssl = SSL_new(ctx);
            if (!c->ssl) { fail(c, E_TLS); return; }
            SSL_set_fd(c->ssl, c->fd);
            SSL_set_tlsext_host_name(c->ssl, host_name[c->hix]);
            SSL_set1_host(c->ssl, host_name[c->hix]);
            SSL_set_connect_state(c->ssl);
            c->st = S_TLS;
            c->t_phase = t;
            c->deadline = t + op_timeout;
            break;
        }
        case S_TLS: {
            int r = SSL_do_handshake(c->ssl);
            if (r == 1) {
                sample(&s_tls, t - c->t_phase);
                start_get(c, t);
                if (c->st == S_FREE) return;
                break;
            }
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ) { set_events(c, EPOLLIN); return; }
            if (e == SSL_ERROR_WANT_WRITE) { set_events(c, EPOLLOUT); return; }
            fail(c, E_TLS);
            return;
        }
        case S_GET_SEND: {
            if (!c->ssl) {
                ssize_t n = send(c->fd, get_req[c->hix] + c->sent, (size_t)get_len[c->hix] - c->sent, MSG_NOSIGNAL);
                if (n < 0 && errno == EAGAIN) { set_events(c, EPOLLOUT); return; }
                if (n <= 0) { fail(c, c->recheck ? E_RECHECK : E_PROXY_CLOSED); return; }
                c->sent += (size_t)n;
                if (c->sent < (size_t)get_len[c->hix]) { set_events(c, EPOLLOUT); return; }
                c->st = S_GET_READ;
                set_events(c, EPOLLIN);
                break;
            }
            int r = SSL_write(c->ssl, get_req[c->hix], get_len[c->hix]);
            if (r == get_len[c->hix]) { c->st = S_GET_READ; set_events(c, EPOLLIN); break; }
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ) { set_events(c, EPOLLIN); return; }
            if (e == SSL_ERROR_WANT_WRITE) { set_events(c, EPOLLOUT); return; }
            fail(c, c->recheck ? E_RECHECK : E_HTTP);
            return;
        }
        case S_GET_READ: {
            char buf[16384];
            int r;
            if (!c->ssl) {
                ssize_t n = c->body_need < 0 ? recv(c->fd, c->head + c->head_len, HEAD_MAX - 1 - c->head_len, 0)
                                             : recv(c->fd, buf, sizeof buf, 0);
                if (n < 0 && errno == EAGAIN) { set_events(c, EPOLLIN); return; }
                if (n <= 0) { fail(c, c->recheck ? E_RECHECK : (n == 0 ? E_PROXY_CLOSED : E_HTTP)); return; }
                r = (int)n;
            } else if (c->body_need < 0) {
                r = SSL_read(c->ssl, c->head + c->head_len, (int)(HEAD_MAX - 1 - c->head_len));
            } else {
                r = SSL_read(c->ssl, buf, sizeof buf);
            }
            if (r <= 0) {
                int e = SSL_get_error(c->ssl, r);
                if (e == SSL_ERROR_WANT_READ) { set_events(c, EPOLLIN); return; }
                if (e == SSL_ERROR_WANT_WRITE) { set_events(c, EPOLLOUT); return; }
                fail(c, c->recheck ? E_RECHECK : E_HTTP);
                return;
            }
            if (c->body_need < 0) {
                c->head_len += (size_t)r;
                c->head[c->head_len] = 0;
                char *end = strstr(c->head, "\r\n\r\n");
                if (!end) {
                    if (c->head_len >= HEAD_MAX - 1) { fail(c, c->recheck ? E_RECHECK : E_HTTP); return; }
                    break;
                }
                if (strncmp(c->head, "HTTP/1.1 200", 12) != 0) {
                    if (fwd && !c->recheck && c->head_len >= 12 && c->head[9] >= '1' && c->head[9] <= '5') {
                        /* Forward mode: a proxy error status (403, 502, 503, ...) is the proxy's answer. */
                        status_hist[c->head[9] - '0']++;
                        if (err_msgs < 8) { err_msgs++; fprintf(stderr, "soak_client: GET reply: %.*s\n", 40, c->head); }
                        fail(c, E_PROXY_STATUS);
                        return;
                    }
                    fail(c, c->recheck ? E_RECHECK : E_HTTP);
                    return;
                }
                char *cl = strcasestr(c->head, "\r\ncontent-length:");
                if (!cl || cl > end) { fail(c, c->recheck ? E_RECHECK : E_HTTP); return; }
                c->body_need = atol(cl + 17);
                c->body_got = (long)(c->head_len - (size_t)(end + 4 - c->head));
            } else {
                c->body_got += r;
            }
            if (c->body_got < c->body_need) break;
            /* Whole response read. */
            if (c->recheck) {
                sample(&s_recheck, t - c->t_phase);
                recheck_ok++;
                release_conn(c, 1);
                return;
            }
            sample(&s_get, t - c->t_phase);
            completed++;
            if (churn) {
                /* Send close_notify, then read until the server's EOF: closing with unread bytes
                 * would reset the connection (and show up as "connection reset" in the audit). */
                if (c->ssl) SSL_shutdown(c->ssl);
                c->st = S_DRAIN;
                c->deadline = t + 2;
                set_events(c, EPOLLIN | EPOLLRDHUP);
                break;
            }
            established++;
            became_idle(c);
            return;
        }
        case S_IDLE: {
            /* An idle tunnel should see nothing; post-handshake messages are consumed here. */
            char buf[4096];
            if (!c->ssl) {
                /* An idle keep-alive client should see nothing at all: bytes or EOF = closed. */
                ssize_t n = recv(c->fd, buf, sizeof buf, 0);
                if (n < 0 && errno == EAGAIN) return;
                errs[E_HOLD_CLOSED]++;
                release_conn(c, 0);
                return;
            }
            int r = SSL_read(c->ssl, buf, sizeof buf);
            if (r > 0) break;
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ) return;
            if (e == SSL_ERROR_WANT_WRITE) return;
            errs[E_HOLD_CLOSED]++;
            ERR_clear_error();
            release_conn(c, 0);
            return;
        }
        case S_DRAIN: {
            char buf[4096];
            ssize_t n = recv(c->fd, buf, sizeof buf, 0);
            if (n > 0) break;
            if (n < 0 && errno == EAGAIN) return;
            release_conn(c, 0);
            return;
        }
        case S_FREE:
            return;
        }
    }
}

static void check_timeouts(double t) {
    for (size_t i = 0; i < nconns; i++) {
        struct conn *c = &conns[i];
        if (c->st == S_FREE || c->st == S_IDLE || c->deadline == 0 || t < c->deadline) continue;
        enum err_kind k;
        if (c->st == S_DRAIN) { release_conn(c, 0); continue; } /* done; the server was slow to close */
        switch (c->st) {
        case S_TCP: k = E_TIMEOUT_TCP; break;
        case S_CONNECT_SEND: case S_CONNECT_REPLY: k = E_TIMEOUT_CONNECT; break;
        case S_TLS: k = E_TIMEOUT_TLS; break;
        default: k = c->recheck ? E_RECHECK_TIMEOUT : E_TIMEOUT_GET; break;
        }
        errs[k]++;
        release_conn(c, 0);
    }
}

static void poll_once(int timeout_ms) {
    struct epoll_event evs[512];
    int n = epoll_wait(ep, evs, 512, timeout_ms);
    for (int i = 0; i < n; i++) step(evs[i].data.ptr, evs[i].events);
}

static int parse_hostport(const char *s, struct sockaddr_in *out) {
    char host[64];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host) return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
    memset(out, 0, sizeof *out);
    out->sin_family = AF_INET;
    out->sin_port = htons((unsigned short)atoi(colon + 1));
    return inet_pton(AF_INET, host, &out->sin_addr) == 1 ? 0 : -1;
}

static void print_pcts(const char *name, struct samples *s) {
    printf(" %s_n=%zu %s_p50_ms=%.2f %s_p99_ms=%.2f", name, s->n, name, pct(s, 50), name, pct(s, 99));
}

int main(int argc, char **argv) {
    const char *connect_to = NULL, *ca = NULL, *ready_file = NULL;
    long tunnels = 1000;
    double rate = 500, seconds = 60, ramp_timeout = -1;
    int recheck = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--recheck")) { recheck = 1; continue; }
        if (!strcmp(a, "--churn")) { churn = 1; continue; }
        if (!strcmp(a, "--forward")) { fwd = 1; continue; }
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) { fprintf(stderr, "missing value for %s\n", a); return 2; }
        if (!strcmp(a, "--connect")) connect_to = v;
        else if (!strcmp(a, "--target")) target = v;
        else if (!strcmp(a, "--sni")) sni = v;
        else if (!strcmp(a, "--ca")) ca = v;
        else if (!strcmp(a, "--path")) path = v;
        else if (!strcmp(a, "--tunnels")) tunnels = atol(v);
        else if (!strcmp(a, "--rate")) rate = atof(v);
        else if (!strcmp(a, "--inflight")) inflight_max = atoi(v);
        else if (!strcmp(a, "--seconds")) seconds = atof(v);
        else if (!strcmp(a, "--ramp-timeout")) ramp_timeout = atof(v);
        else if (!strcmp(a, "--op-timeout")) op_timeout = atof(v);
        else if (!strcmp(a, "--sources")) nsources = atoi(v);
        else if (!strcmp(a, "--spread")) spread = atoi(v);
        else if (!strcmp(a, "--ready-file")) ready_file = v;
        else { fprintf(stderr, "unknown option %s\n", a); return 2; }
        i++;
    }
    if (!connect_to || (!ca && !fwd) || parse_hostport(connect_to, &proxy_addr) != 0 || tunnels < 1 ||
        tunnels > 200000 || rate <= 0 || inflight_max < 1 || seconds <= 0 || seconds > 3600 ||
        op_timeout <= 0 || nsources < 0 || nsources > 250 || strlen(target) > 255 || strlen(sni) > 255 ||
        strlen(path) > 255 || spread < 1 || spread > MAX_SPREAD) {
        fprintf(stderr, "usage: soak_client --connect IP:PORT --ca CA.pem [--target HOST:PORT] [--sni NAME] "
                        "[--path /1k] [--tunnels N] [--rate R] [--inflight K] [--churn] [--seconds S] "
                        "[--ramp-timeout S] [--op-timeout S] [--sources K] [--spread K] [--ready-file F] [--recheck] [--forward]\n");
        return 2;
    }
    if (ramp_timeout <= 0) ramp_timeout = (double)tunnels / rate * 2 + 30;
    /* --spread K: tunnel i goes to host "o<i % K>.<sni>" (CONNECT, SNI, verification, Host). */
    const char *port = strrchr(target, ':');
    if (!port) port = ":443";
    for (int h = 0; h < spread; h++) {
        if (spread == 1) snprintf(host_name[h], sizeof host_name[h], "%s", sni);
        else snprintf(host_name[h], sizeof host_name[h], "o%d.%s", h, sni);
        if (spread == 1)
            connect_len[h] = snprintf(connect_req[h], sizeof connect_req[h], "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n",
                                      target, target);
        else
            connect_len[h] = snprintf(connect_req[h], sizeof connect_req[h], "CONNECT %s%s HTTP/1.1\r\nHost: %s%s\r\n\r\n",
                                      host_name[h], port, host_name[h], port);
        if (fwd)   /* absolute form, plain HTTP to the proxy */
            get_len[h] = snprintf(get_req[h], sizeof get_req[h], "GET http://%s%s HTTP/1.1\r\nHost: %s\r\nConnection: %s\r\n\r\n",
                                  host_name[h], path, host_name[h], churn ? "close" : "keep-alive");
        else
            get_len[h] = snprintf(get_req[h], sizeof get_req[h], "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", path,
                                  host_name[h], churn ? "Connection: close\r\n" : "");
    }

    ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || (ca && SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)) { ERR_print_errors_fp(stderr); return 1; }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Slots: hold mode needs one per tunnel; churn mode reuses slots (bounded by inflight). */
    nconns = churn ? (size_t)inflight_max : (size_t)tunnels;
    conns = calloc(nconns, sizeof *conns);
    size_t scap = churn ? (size_t)(rate * seconds * 1.2 + 1000) : (size_t)tunnels;
    if (scap > 2000000) scap = 2000000;
    struct samples *all[] = {&s_connect, &s_tls, &s_get, &s_recheck};
    for (int i = 0; i < 4; i++) { all[i]->v = calloc(scap, sizeof(double)); all[i]->cap = scap; }
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (!conns || ep < 0 || !s_recheck.v) { perror("setup"); return 1; }
    for (size_t i = 0; i < nconns; i++) { conns[i].fd = -1; conns[i].st = S_FREE; }

    double t_start = now(), t_last_scan = t_start, t_last_progress = t_start;
    double phase_end = churn ? t_start + seconds : t_start + ramp_timeout;
    size_t next_slot = 0;
    long to_start = churn ? -1 : tunnels;
    /* Ramp (hold) or churn phase. */
    while (!release_flag) {
        double t = now();
        if (t >= phase_end) break;
        long allowed = (long)((t - t_start) * rate) + 1;
        if (!churn && started >= to_start) {
            if (inflight == 0) break; /* every tunnel is open or failed */
        } else {
            while (started < allowed && inflight < inflight_max && (churn || started < to_start)) {
                /* find a free slot (hold: slots are used in order; churn: any free one) */
                struct conn *c = NULL;
                for (size_t k = 0; k < nconns; k++) {
                    size_t j = (next_slot + k) % nconns;
                    if (conns[j].st == S_FREE) { c = &conns[j]; next_slot = j + 1; break; }
                }
                if (!c) break;
                open_conn(c, t);
            }
        }
        poll_once(5);
        if (t - t_last_scan > 0.1) { check_timeouts(t); t_last_scan = t; }
        if (t - t_last_progress > 5) {
            fprintf(stderr, "soak_client: %.0fs started=%ld open=%ld inflight=%d errors=%ld\n", t - t_start,
                    started, idle_now, inflight,
                    errs[E_SOCKET] + errs[E_TCP] + errs[E_PROXY_CLOSED] + errs[E_PROXY_STATUS] + errs[E_TLS] +
                    errs[E_HTTP] + errs[E_TIMEOUT_TCP] + errs[E_TIMEOUT_CONNECT] + errs[E_TIMEOUT_TLS] + errs[E_TIMEOUT_GET]);
            t_last_progress = t;
        }
    }
    double ramp_seconds = now() - t_start;
    /* Tunnels still in setup when the phase ended count as timeouts of their step. */
    for (size_t i = 0; i < nconns; i++) {
        if (conns[i].st != S_FREE && conns[i].st != S_IDLE) conns[i].deadline = 1;
    }
    check_timeouts(now());

    long hold_open_start = idle_now;
    double hold_seconds = 0;
    if (!churn) {
        char line[256];
        snprintf(line, sizeof line, "ready established=%ld open=%ld started=%ld ramp_s=%.1f\n", established,
                 idle_now, started, ramp_seconds);
        fputs(line, stderr);
        if (ready_file) {
            FILE *f = fopen(ready_file, "w");
            if (f) { fputs(line, f); fclose(f); }
        }
        /* Hold: watch idle tunnels until released or the bound. */
        double h0 = now();
        while (!release_flag && now() - h0 < seconds) poll_once(100);
        hold_seconds = now() - h0;
        if (recheck) {
            /* One more GET on every held tunnel, at most inflight_max at a time. */
            double r0 = now();
            size_t next = 0;
            while (now() - r0 < op_timeout * 3 + (double)idle_now / 1000.0) {
                double t = now();
                while (next < nconns && inflight < inflight_max) {
                    struct conn *c = &conns[next++];
                    if (c->st != S_IDLE) continue;
                    idle_now--;
                    inflight++;
                    c->recheck = 1;
                    start_get(c, t);
                }
                if (next >= nconns && inflight == 0) break;
                poll_once(5);
                check_timeouts(now());
            }
        }
    }
    long open_at_release = idle_now;
    for (size_t i = 0; i < nconns; i++) release_conn(&conns[i], 1);

    long setup_errs = 0;
    for (int k = 0; k <= E_TIMEOUT_GET; k++) setup_errs += errs[k];
    printf("mode=%s started=%ld completed=%ld established=%ld setup_errors=%ld open_after_ramp=%ld "
           "open_at_release=%ld recheck_ok=%ld ramp_s=%.1f hold_s=%.1f rate=%.1f",
           churn ? (fwd ? "churn-forward" : "churn") : (fwd ? "hold-forward" : "hold"), started, completed, established, setup_errs, hold_open_start, open_at_release,
           recheck_ok, ramp_seconds, hold_seconds, completed / (ramp_seconds > 0 ? ramp_seconds : 1));
    for (int k = 0; k < E_COUNT; k++) printf(" %s=%ld", err_names[k], errs[k]);
    printf(" status_4xx=%ld status_5xx=%ld status_other=%ld", status_hist[4], status_hist[5],
           status_hist[0] + status_hist[1] + status_hist[3]);
    print_pcts("connect", &s_connect);
    print_pcts("tls", &s_tls);
    print_pcts("get", &s_get);
    print_pcts("recheck", &s_recheck);
    printf("\n");
    fflush(stdout);
    SSL_CTX_free(ctx);
    return 0;
}
