/*
 * Arithmetic on polynomials over GF(2) modulo a CRC's generator polynomial P, in the reflected
 * (least-significant-bit-first) representation that CRC-32, CRC-32C and CRC-64/NVME all use:
 * for a CRC of width w, bit i of a value holds the coefficient of x^(w-1-i). So x^0 is the top
 * bit (1 << (w-1)), and multiplying by x is a right shift (reducing by P when x^(w-1) falls off).
 *
 * Used for the CRC combine functions (crc(A||B) from crc(A), crc(B) and |B|) and to derive the
 * folding and Barrett constants of the PCLMULQDQ kernel at load time.
 */
#ifndef CAIRN_GF2_H
#define CAIRN_GF2_H

#include <stdint.h>

typedef struct {
  unsigned width_bits;     /* 32 or 64 */
  uint64_t reflected_poly; /* P without its x^w term, bit-reflected to width_bits bits */
  uint64_t x_pow_2k[64];   /* x^(2^k) mod P, for square-and-multiply exponentiation */
} crc_field;

void crc_field_init(crc_field *field, unsigned width_bits, uint64_t reflected_poly);

/* a * b mod P. */
uint64_t crc_field_mul(const crc_field *field, uint64_t a, uint64_t b);

/* x^exponent mod P, by square-and-multiply over x^(2^k): O(log exponent) multiplications. */
uint64_t crc_field_x_pow(const crc_field *field, uint64_t exponent);

/* floor(x^(2w-1) / P), reflected to w bits: the Barrett constant for a w-bit CRC (see
   crc64_pclmul.c for why it is x^(2w-1) and not x^(2w)). */
uint64_t crc_field_barrett_quotient(const crc_field *field);

/*
 * crc(A||B) from crc(A), crc(B) and the length of B, for a CRC whose init and xorout are equal
 * (all three CRCs here use all ones for both): the register after A is carried through |B| bytes
 * of zeros, i.e. multiplied by x^(8*|B|) mod P, and the init/xorout contributions cancel.
 */
uint64_t crc_combine(const crc_field *field, uint64_t crc_a, uint64_t crc_b, uint64_t length_b_bytes);

#endif
