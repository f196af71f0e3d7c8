/*
 * CRC-32C with the SSE4.2 crc32 instruction, three streams at a time. One crc32q chain is bound
 * by the instruction's latency (3 cycles for 8 bytes); three independent chains over three
 * consecutive blocks A, B, C keep the unit busy every cycle. The blocks are then joined:
 *
 *   register(A||B||C) = rA * x^(8*2L) + rB * x^(8*L) + rC  (mod P),
 *
 * with rA started from the caller's state and rB, rC from 0 (the register is linear in state and
 * message). Each shift is one PCLMULQDQ and one crc32q. For reflected 32-bit r and k (bit i <->
 * x^(31-i)) the 64-bit carry-less product has bit m <-> x^(62-m), so read as 8 message bytes
 * (bit m <-> x^(63-m)) it is the polynomial r*k*x; crc32q from state 0 over a message Q gives
 * Q*x^32 mod P. Together: r*k*x^33 mod P, so k = x^(8L-33) mod P shifts r by L bytes.
 * The constants are derived at load time from P (crc32c_sse42_init), not typed in.
 */
#include "crc32c.h"

#ifdef CRC32C_HAVE_SSE42_KERNEL /* x86-64 only; elsewhere this file compiles to nothing */
#include <cpuid.h>
#include <immintrin.h>
#include <string.h>

#define TARGET __attribute__((target("sse4.2,pclmul")))
/* Per-stream block lengths: long blocks for the bulk, short ones for what is left over. */
#define LONG_BLOCK_BYTES 8192
#define SHORT_BLOCK_BYTES 256

static struct {
  uint64_t long_1, long_2;   /* x^(8*L-33), x^(8*2L-33) mod P for L = LONG_BLOCK_BYTES */
  uint64_t short_1, short_2; /* the same for L = SHORT_BLOCK_BYTES */
} constants;

void crc32c_sse42_init(void) {
  constants.long_1 = crc_field_x_pow(&crc32c_field, 8ull * LONG_BLOCK_BYTES - 33);
  constants.long_2 = crc_field_x_pow(&crc32c_field, 8ull * 2 * LONG_BLOCK_BYTES - 33);
  constants.short_1 = crc_field_x_pow(&crc32c_field, 8ull * SHORT_BLOCK_BYTES - 33);
  constants.short_2 = crc_field_x_pow(&crc32c_field, 8ull * 2 * SHORT_BLOCK_BYTES - 33);
}

int crc32c_sse42_supported(void) {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
  return (ecx & bit_SSE4_2) && (ecx & bit_PCLMUL);
}

static inline uint64_t load_u64(const uint8_t *data) {
  uint64_t word;
  memcpy(&word, data, sizeof word); /* x86 is little-endian: byte 0 is the first 8 message bits */
  return word;
}

/* r*k as the 64-bit carry-less product of two 32-bit values. */
TARGET static inline uint64_t clmul(uint64_t r, uint64_t k) {
  return (uint64_t)_mm_cvtsi128_si64(_mm_clmulepi64_si128(_mm_cvtsi64_si128((long long)r), _mm_cvtsi64_si128((long long)k), 0x00));
}

/* Consumes 3 * block_bytes from *data; returns the register after them. */
TARGET static inline uint64_t three_streams(uint64_t crc0, const uint8_t **data, size_t block_bytes, uint64_t k1, uint64_t k2) {
  const uint8_t *a = *data, *end = a + block_bytes;
  uint64_t crc1 = 0, crc2 = 0;
  for (; a < end; a += 8) {
    crc0 = _mm_crc32_u64(crc0, load_u64(a));
    crc1 = _mm_crc32_u64(crc1, load_u64(a + block_bytes));
    crc2 = _mm_crc32_u64(crc2, load_u64(a + 2 * block_bytes));
  }
  *data += 3 * block_bytes;
  /* Both shifts reduce together: crc32q from 0 is linear in its operand. */
  return _mm_crc32_u64(0, clmul(crc0, k2) ^ clmul(crc1, k1)) ^ crc2;
}

TARGET uint32_t crc32c_sse42_update(uint32_t state, const uint8_t *data, size_t length_bytes) {
  const uint8_t *end = data + length_bytes;
  uint64_t crc = state;
  /* Up to 7 bytes to reach 8-byte alignment, so the 8-byte loads never straddle a line needlessly. */
  while (data < end && ((uintptr_t)data & 7) != 0) crc = _mm_crc32_u8((uint32_t)crc, *data++);
  while ((size_t)(end - data) >= 3 * LONG_BLOCK_BYTES) crc = three_streams(crc, &data, LONG_BLOCK_BYTES, constants.long_1, constants.long_2);
  while ((size_t)(end - data) >= 3 * SHORT_BLOCK_BYTES) crc = three_streams(crc, &data, SHORT_BLOCK_BYTES, constants.short_1, constants.short_2);
  for (; (size_t)(end - data) >= 8; data += 8) crc = _mm_crc32_u64(crc, load_u64(data));
  while (data < end) crc = _mm_crc32_u8((uint32_t)crc, *data++);
  return (uint32_t)crc;
}

#endif
