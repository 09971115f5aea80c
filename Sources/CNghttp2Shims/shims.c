#include "CNghttp2Shims.h"

// Declared weak: resolved to NULL at load time when the linked libnghttp2 lacks the symbol.
// (The redeclaration matches nghttp2.h's prototype where the header has it.)
#pragma weak nghttp2_option_set_stream_reset_rate_limit
extern void nghttp2_option_set_stream_reset_rate_limit(nghttp2_option *option, uint64_t burst, uint64_t rate);

int tg_nghttp2_has_stream_reset_rate_limit(void) { return nghttp2_option_set_stream_reset_rate_limit != 0; }

int tg_nghttp2_option_set_stream_reset_rate_limit(nghttp2_option *option, uint64_t burst, uint64_t rate) {
    if (nghttp2_option_set_stream_reset_rate_limit == 0) return 0;
    nghttp2_option_set_stream_reset_rate_limit(option, burst, rate);
    return 1;
}

const char *tg_nghttp2_header_version(void) { return NGHTTP2_VERSION; }

size_t tg_nghttp2_client_magic_len(void) { return NGHTTP2_CLIENT_MAGIC_LEN; }
