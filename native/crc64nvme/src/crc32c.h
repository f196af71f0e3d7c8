/*
 * CRC-32C (Castagnoli: reflected poly 0x82F63B78, init and xorout all ones) kernels. Like the
 * CRC-64 ones they work on the raw register ("state"); the caller applies init and xorout.
 */
#ifndef CAIRN_CRC32C_H
#define CAIRN_CRC32C_H

#include <stddef.h>
#include <stdint.h>

#include "gf2.h"

#define CRC32C_REFLECTED_POLY 0x82F63B78ull

/* GF(2)[x] mod P for CRC-32C: combine, and the stream-shift constants of the SSE4.2 kernel. */
extern crc_field crc32c_field;

/* Builds the slicing-by-8 tables. Call once before crc32c_table_update. */
void crc32c_table_init(void);
/* Portable slicing-by-8. */
uint32_t crc32c_table_update(uint32_t state, const uint8_t *data, size_t length_bytes);

#if defined(__x86_64__)
#define CRC32C_HAVE_SSE42_KERNEL 1
/* True if this CPU has SSE4.2 (the crc32 instruction) and PCLMULQDQ. */
int crc32c_sse42_supported(void);
/* Derives the stream-shift constants. Call once (after crc32c_field is set up). */
void crc32c_sse42_init(void);
/* Three interleaved crc32q streams, joined by carry-less multiplication; only call when
   crc32c_sse42_supported(). */
uint32_t crc32c_sse42_update(uint32_t state, const uint8_t *data, size_t length_bytes);
#endif

#endif
