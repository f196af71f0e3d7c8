/* Portable CRC-32C: slicing-by-8 (the same scheme as crc64_table.c, with 32-bit entries). */
#include <string.h>

#include "crc32c.h"

/* table[k][b]: the register contribution of byte b followed by k zero bytes. */
static uint32_t table[8][256];

void crc32c_table_init(void) {
  for (unsigned byte = 0; byte < 256; byte++) {
    uint32_t state = byte;
    for (int bit = 0; bit < 8; bit++) state = (state & 1) ? (state >> 1) ^ (uint32_t)CRC32C_REFLECTED_POLY : state >> 1;
    table[0][byte] = state;
  }
  for (unsigned byte = 0; byte < 256; byte++) {
    for (int k = 1; k < 8; k++) table[k][byte] = (table[k - 1][byte] >> 8) ^ table[0][table[k - 1][byte] & 0xff];
  }
}

static uint64_t load_u64_le(const uint8_t *data) {
  uint64_t word;
  memcpy(&word, data, sizeof word);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  word = __builtin_bswap64(word);
#endif
  return word;
}

static uint32_t update_bytewise(uint32_t state, const uint8_t *data, size_t length_bytes) {
  for (size_t i = 0; i < length_bytes; i++) state = table[0][(state ^ data[i]) & 0xff] ^ (state >> 8);
  return state;
}

uint32_t crc32c_table_update(uint32_t state, const uint8_t *data, size_t length_bytes) {
  size_t head_bytes = (8 - ((uintptr_t)data & 7)) & 7;
  if (head_bytes > length_bytes) head_bytes = length_bytes;
  state = update_bytewise(state, data, head_bytes);
  data += head_bytes;
  length_bytes -= head_bytes;

  for (; length_bytes >= 8; data += 8, length_bytes -= 8) {
    /* The 32-bit register meets the first 4 of the next 8 bytes; the earliest byte is followed by
       7 more and so takes table[7]. */
    uint64_t word = load_u64_le(data) ^ state;
    state = table[7][word & 0xff] ^ table[6][(word >> 8) & 0xff] ^ table[5][(word >> 16) & 0xff] ^
            table[4][(word >> 24) & 0xff] ^ table[3][(word >> 32) & 0xff] ^ table[2][(word >> 40) & 0xff] ^
            table[1][(word >> 48) & 0xff] ^ table[0][word >> 56];
  }
  return update_bytewise(state, data, length_bytes);
}
