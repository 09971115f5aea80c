#ifndef TLSGATE_CNGHTTP2SHIMS_H
#define TLSGATE_CNGHTTP2SHIMS_H

#include <stdint.h>
#include <nghttp2/nghttp2.h>

// ---- nghttp2: what differs between builds of libnghttp2 1.52 (Debian 12) and later. ----

/// Whether the linked libnghttp2 has nghttp2_option_set_stream_reset_rate_limit (upstream 1.57,
/// backported by Debian in 1.52.0-1+deb12u1 for CVE-2023-44487): a weak reference, so the binary
/// links and runs against a library without it.
int tg_nghttp2_has_stream_reset_rate_limit(void);
/// Sets the rapid-reset limit (token bucket: burst, then rate per second) when the library has it;
/// returns 0 when it does not (the caller counts resets itself).
int tg_nghttp2_option_set_stream_reset_rate_limit(nghttp2_option *option, uint64_t burst, uint64_t rate);
/// NGHTTP2_VERSION (the header's version string, a macro) next to the linked library's.
const char *tg_nghttp2_header_version(void);
/// NGHTTP2_CLIENT_MAGIC_LEN is a macro; the client connection preface length (24).
size_t tg_nghttp2_client_magic_len(void);

#endif
