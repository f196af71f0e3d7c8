#include "gf2.h"

static uint64_t x_pow_0(const crc_field *field) { return (uint64_t)1 << (field->width_bits - 1); }

/* value * x mod P: in the reflected representation the x^(w-1) coefficient is bit 0; shifting
   right raises every degree by one, and a coefficient pushed to x^w is replaced by P - x^w. */
static uint64_t times_x(const crc_field *field, uint64_t value) {
  return (value & 1) ? (value >> 1) ^ field->reflected_poly : value >> 1;
}

uint64_t crc_field_mul(const crc_field *field, uint64_t a, uint64_t b) {
  uint64_t product = 0;
  /* Walk a's coefficients from x^0 upwards while b runs through b*x^0, b*x^1, ... */
  for (uint64_t mask = x_pow_0(field); mask != 0; mask >>= 1) {
    if (a & mask) product ^= b;
    b = times_x(field, b);
  }
  return product;
}

void crc_field_init(crc_field *field, unsigned width_bits, uint64_t reflected_poly) {
  field->width_bits = width_bits;
  field->reflected_poly = reflected_poly;
  field->x_pow_2k[0] = x_pow_0(field) >> 1; /* x^1 */
  for (unsigned k = 1; k < 64; k++) {
    field->x_pow_2k[k] = crc_field_mul(field, field->x_pow_2k[k - 1], field->x_pow_2k[k - 1]);
  }
}

uint64_t crc_field_x_pow(const crc_field *field, uint64_t exponent) {
  uint64_t result = x_pow_0(field);
  for (unsigned k = 0; exponent != 0; k++, exponent >>= 1) {
    if (exponent & 1) result = crc_field_mul(field, result, field->x_pow_2k[k]);
  }
  return result;
}

uint64_t crc_field_barrett_quotient(const crc_field *field) {
  /*
   * Long division of x^(2w-1) by P as a shift register: start from remainder x^(w-1) and multiply
   * by x w times. At step s (1-based) the remainder overflows into x^w exactly when the quotient
   * has the term x^(w-s); reflected, that term is bit s-1. The overflow bit before the shift is
   * the x^(w-1) coefficient, bit 0.
   */
  uint64_t remainder = 1; /* x^(w-1) */
  uint64_t quotient = 0;
  for (unsigned step = 1; step <= field->width_bits; step++) {
    quotient |= (remainder & 1) << (step - 1);
    remainder = times_x(field, remainder);
  }
  return quotient;
}

uint64_t crc_combine(const crc_field *field, uint64_t crc_a, uint64_t crc_b, uint64_t length_b_bytes) {
  return crc_field_mul(field, crc_field_x_pow(field, length_b_bytes * 8), crc_a) ^ crc_b;
}
