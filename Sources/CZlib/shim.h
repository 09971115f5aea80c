#ifndef TLSGATE_CZLIB_SHIM_H
#define TLSGATE_CZLIB_SHIM_H
#include <zlib.h>
#endif
