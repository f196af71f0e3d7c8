/**
 * Continues a CRC64NVME over `data` from `previous` (the value returned for the bytes before; 0n to
 * start). Returns the finalized CRC as a bigint. Like zlib's crc32(prev, buf): chaining calls over
 * consecutive pieces gives the same value as one call over the whole.
 */
export function crc64nvme(data: Uint8Array, previous?: bigint): bigint;

/**
 * CRC-32C (Castagnoli, S3's CRC32C, the storage records' checksum) of `data`, continued from
 * `previous` (the finalized CRC of the bytes before; 0, undefined or null to start): the same
 * value and chaining as @node-rs/crc32's crc32c(data, previous). Returns an unsigned 32-bit number.
 */
export function crc32c(data: Uint8Array, previous?: number | null): number;

/** The 8 big-endian bytes of a CRC value (how S3 encodes it, before base64). */
export function crc64nvmeToBytes(value: bigint): Buffer;

/** Combines crc(A) and crc(B) into crc(A‖B) given B's length (needed for FULL_OBJECT multipart checksums). */
export function crc64nvmeCombine(crcA: bigint, crcB: bigint, lengthBBytes: number): bigint;

/** CRC-32 (zlib's, S3's CRC32) of A‖B from crc(A), crc(B) and B's length in bytes. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number;

/** CRC-32C (Castagnoli, S3's CRC32C) of A‖B from crc(A), crc(B) and B's length in bytes. */
export function crc32cCombine(crcA: number, crcB: number, lengthB: number): number;

/** The kernel chosen at load time by cpuid: PCLMULQDQ folding, or the portable slicing-by-8 table. */
export const implementation: 'pclmul' | 'table';

/** The CRC-32C kernel chosen at load time by cpuid: three interleaved SSE4.2 crc32q streams, or slicing-by-8. */
export const crc32cImplementation: 'sse42' | 'table';
