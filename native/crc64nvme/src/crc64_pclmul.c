/*
 * CRC-64/NVME by carry-less multiplication (PCLMULQDQ), after the method of Intel's white paper
 * "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ Instruction" (Gopal et al.):
 * fold the message into 8 parallel 128-bit lanes, fold the lanes into one, then Barrett-reduce
 * that 128-bit remainder to the 64-bit CRC. The constants are derived at load time from P
 * (crc64_pclmul_init), not typed in.
 *
 * Notation. The message is a polynomial M(x), its first bit (bit 0 of byte 0, as the CRC is
 * reflected) the highest power. A 16-byte block loaded little-endian into an XMM register R holds
 * a 128-bit polynomial with bit k <-> x^(127-k): the low qword (the earlier 8 bytes) is the HIGH
 * half. With the raw register S placed over the first 8 bytes, the CRC register after the message
 * is (S * x^len + M) * x^64 mod P.
 *
 * The reflection costs one power of x. For 64-bit reflected a, b (bit i <-> x^(63-i)) PCLMULQDQ
 * puts a_i * b_j at bit i+j, which stands for x^(126-i-j); read as a 128-bit reflected value
 * (bit k <-> x^(127-k)) the product is a*b*x. So to multiply by x^E we multiply by x^(E-1) mod P.
 */
#include "crc64.h"

#ifdef CRC64_HAVE_PCLMUL_KERNEL /* x86-64 only; elsewhere this file compiles to nothing */
#include <cpuid.h>
#include <immintrin.h>

#define TARGET __attribute__((target("pclmul,sse4.1")))
#define LANES 8
#define LANE_BYTES 16
#define STRIDE_BYTES (LANES * LANE_BYTES)

/*
 * Folding a block H forward by F bits: with H = H_hi * x^64 + H_lo,
 *   H * x^F = H_hi * x^(F+64) + H_lo * x^F == H_hi * (x^(F+63) mod P) * x + H_lo * (x^(F-1) mod P) * x
 * Two carry-less products of <= 128 bits, XORed into the block F bits further on. A fold constant
 * therefore holds x^(F+63) mod P in its low qword (meets H_hi, the register's low qword) and
 * x^(F-1) mod P in its high qword.
 */
typedef struct {
  uint64_t low, high;
} fold_constant;

static struct {
  fold_constant fold_stride; /* F = 1024: each lane past the next 128 bytes */
  fold_constant fold_lane[LANES - 1]; /* lane i into the last lane: F = 128 * (7 - i) */
  fold_constant fold_block; /* F = 128: one block past the next */
  uint64_t x127_mod_p; /* the 128 -> 64 step, below */
  uint64_t barrett_quotient; /* floor(x^127 / P) */
  uint64_t poly_over_x; /* floor(P / x), i.e. P = x * poly_over_x + 1 */
} constants;

static fold_constant fold_by(unsigned distance_bits) {
  fold_constant constant = {crc_field_x_pow(&crc64nvme_field, distance_bits + 63),
                            crc_field_x_pow(&crc64nvme_field, distance_bits - 1)};
  return constant;
}

void crc64_pclmul_init(void) {
  constants.fold_stride = fold_by(STRIDE_BYTES * 8);
  for (unsigned lane = 0; lane < LANES - 1; lane++) constants.fold_lane[lane] = fold_by((LANES - 1 - lane) * LANE_BYTES * 8);
  constants.fold_block = fold_by(LANE_BYTES * 8);
  constants.x127_mod_p = crc_field_x_pow(&crc64nvme_field, 127);
  constants.barrett_quotient = crc_field_barrett_quotient(&crc64nvme_field);
  /* floor(P / x) reflected: P's reflected bits shifted up one, and x^64/x = x^63 lands in bit 0. */
  constants.poly_over_x = (CRC64NVME_REFLECTED_POLY << 1) | 1;
}

int crc64_pclmul_supported(void) {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
  return (ecx & bit_PCLMUL) && (ecx & bit_SSE4_1);
}

TARGET static inline __m128i load_constant(fold_constant constant) {
  return _mm_set_epi64x((long long)constant.high, (long long)constant.low);
}

TARGET static inline __m128i fold(__m128i block, __m128i constant) {
  return _mm_xor_si128(_mm_clmulepi64_si128(block, constant, 0x00), _mm_clmulepi64_si128(block, constant, 0x11));
}

TARGET static inline __m128i load_block(const uint8_t *data) { return _mm_loadu_si128((const __m128i *)data); }

/* The CRC register for a message whose folded remainder is the 128-bit R: R * x^64 mod P. */
TARGET static uint64_t reduce(__m128i remainder) {
  /*
   * 128 -> 128 bits: R * x^64 = R_hi * x^128 + R_lo * x^64 == R_hi * (x^127 mod P) * x + R_lo * x^64.
   * R_lo * x^64 is R's high qword moved to the low one. The sum T has degree < 128.
   */
  __m128i k = _mm_set_epi64x(0, (long long)constants.x127_mod_p);
  __m128i t = _mm_xor_si128(_mm_clmulepi64_si128(remainder, k, 0x00), _mm_srli_si128(remainder, 8));

  /*
   * Barrett: T mod P = T + q * P with q = floor(T_hi * mu / x^64), mu = floor(x^128 / P) (exact
   * for deg T < 128). mu has 65 bits; write mu = x * nu + m0 with nu = floor(x^127 / P). The
   * m0 * T_hi part has degree < 64 and drops out of the floor, and the reflected product
   * T_hi * nu reads as T_hi * nu * x = T_hi * mu - m0 * T_hi, so its low qword is q, reflected.
   *
   * Then P = x * (P / x) + 1 (P's constant term is 1): q * P = q * floor(P / x) * x + q, and the
   * reflected product q * floor(P / x) reads as exactly that first term; its high qword is its
   * part below x^64. The remainder is T_lo + (q * P mod x^64).
   */
  __m128i barrett = _mm_set_epi64x((long long)constants.poly_over_x, (long long)constants.barrett_quotient);
  __m128i quotient = _mm_clmulepi64_si128(t, barrett, 0x00);
  __m128i quotient_times_poly = _mm_clmulepi64_si128(quotient, barrett, 0x10);
  return (uint64_t)_mm_extract_epi64(t, 1) ^ (uint64_t)_mm_extract_epi64(quotient_times_poly, 1) ^
         (uint64_t)_mm_cvtsi128_si64(quotient);
}

TARGET uint64_t crc64_pclmul_update(uint64_t state, const uint8_t *data, size_t length_bytes) {
  if (length_bytes < LANE_BYTES) return crc64_table_update(state, data, length_bytes);

  __m128i remainder;
  if (length_bytes >= STRIDE_BYTES) {
    __m128i lane[LANES];
    for (int i = 0; i < LANES; i++) lane[i] = load_block(data + i * LANE_BYTES);
    lane[0] = _mm_xor_si128(lane[0], _mm_cvtsi64_si128((long long)state));
    data += STRIDE_BYTES;
    length_bytes -= STRIDE_BYTES;

    const __m128i fold_stride = load_constant(constants.fold_stride);
    for (; length_bytes >= STRIDE_BYTES; data += STRIDE_BYTES, length_bytes -= STRIDE_BYTES) {
      for (int i = 0; i < LANES; i++) lane[i] = _mm_xor_si128(fold(lane[i], fold_stride), load_block(data + i * LANE_BYTES));
    }

    remainder = lane[LANES - 1];
    for (int i = 0; i < LANES - 1; i++) remainder = _mm_xor_si128(remainder, fold(lane[i], load_constant(constants.fold_lane[i])));
  } else {
    remainder = _mm_xor_si128(load_block(data), _mm_cvtsi64_si128((long long)state));
    data += LANE_BYTES;
    length_bytes -= LANE_BYTES;
  }

  const __m128i fold_block = load_constant(constants.fold_block);
  for (; length_bytes >= LANE_BYTES; data += LANE_BYTES, length_bytes -= LANE_BYTES) {
    remainder = _mm_xor_si128(fold(remainder, fold_block), load_block(data));
  }
  return crc64_table_update(reduce(remainder), data, length_bytes);
}
#endif /* CRC64_HAVE_PCLMUL_KERNEL */
