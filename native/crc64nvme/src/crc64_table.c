#include <string.h>

#include "crc64.h"

/* table[k][b]: the register contribution of byte b followed by k zero bytes. */
static uint64_t table[8][256];

void crc64_table_init(void) {
  for (unsigned byte = 0; byte < 256; byte++) {
    uint64_t state = byte;
    for (int bit = 0; bit < 8; bit++) state = (state & 1) ? (state >> 1) ^ CRC64NVME_REFLECTED_POLY : state >> 1;
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

static uint64_t update_bytewise(uint64_t state, const uint8_t *data, size_t length_bytes) {
  for (size_t i = 0; i < length_bytes; i++) state = table[0][(state ^ data[i]) & 0xff] ^ (state >> 8);
  return state;
}

uint64_t crc64_table_update(uint64_t state, const uint8_t *data, size_t length_bytes) {
  size_t head_bytes = (8 - ((uintptr_t)data & 7)) & 7;
  if (head_bytes > length_bytes) head_bytes = length_bytes;
  state = update_bytewise(state, data, head_bytes);
  data += head_bytes;
  length_bytes -= head_bytes;

  for (; length_bytes >= 8; data += 8, length_bytes -= 8) {
    /* The register lines up with the next 8 bytes; its low byte meets the first (earliest) byte,
       which is followed by 7 more and so takes table[7]. */
    state ^= load_u64_le(data);
    state = table[7][state & 0xff] ^ table[6][(state >> 8) & 0xff] ^ table[5][(state >> 16) & 0xff] ^
            table[4][(state >> 24) & 0xff] ^ table[3][(state >> 32) & 0xff] ^ table[2][(state >> 40) & 0xff] ^
            table[1][(state >> 48) & 0xff] ^ table[0][state >> 56];
  }
  return update_bytewise(state, data, length_bytes);
}
