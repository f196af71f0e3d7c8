/*
 * CRC-64/NVME kernels. All of them work on the raw CRC register ("state"): the caller applies the
 * init value and the final xor (both all ones for CRC-64/NVME), so calls chain freely.
 */
#ifndef CAIRN_CRC64_H
#define CAIRN_CRC64_H

#include <stddef.h>
#include <stdint.h>

#include "gf2.h"

/* P = x^64 + 0xAD93D23594C93659 (normal form); bit-reflected without the x^64 term: */
#define CRC64NVME_REFLECTED_POLY 0x9A6C9329AC4BC9B5ull

/* GF(2)[x] mod P, for combine and for deriving the kernel constants. */
extern crc_field crc64nvme_field;

/* Builds the slicing-by-8 tables. Call once before crc64_table_update. */
void crc64_table_init(void);
/* Portable slicing-by-8: 8 table look-ups per 8 bytes. */
uint64_t crc64_table_update(uint64_t state, const uint8_t *data, size_t length_bytes);

#if defined(__x86_64__)
#define CRC64_HAVE_PCLMUL_KERNEL 1
/* True if this CPU has PCLMULQDQ and SSE4.1. */
int crc64_pclmul_supported(void);
/* Derives the folding and Barrett constants. Call once (after crc64nvme_field is set up). */
void crc64_pclmul_init(void);
/* PCLMULQDQ folding; only call when crc64_pclmul_supported(). Short tails go to the table kernel. */
uint64_t crc64_pclmul_update(uint64_t state, const uint8_t *data, size_t length_bytes);
#endif

#endif
