// S3's additional checksums, computed incrementally in the single pass over a body.
import { crc32c, crc32Combine, crc32cCombine, crc64nvme, crc64nvmeCombine, crc64nvmeToBytes } from '@cairn/crc64nvme';
import { crc32 } from '@node-rs/crc32';
import { createHash, type Hash } from 'node:crypto';
import type { ChecksumAlgorithm } from '../index/types.js';
import { S3Error } from './errors.js';

export interface Checksummer {
  update(data: Buffer): void;
  /** The big-endian digest, as S3 encodes it (base64 on the wire). */
  digest(): Buffer;
}

/** Header that carries each algorithm's value (`x-amz-checksum-<name>`), lower case. */
export const CHECKSUM_HEADER_BY_ALGORITHM: Record<ChecksumAlgorithm, string> = {
  CRC32: 'x-amz-checksum-crc32',
  CRC32C: 'x-amz-checksum-crc32c',
  CRC64NVME: 'x-amz-checksum-crc64nvme',
  SHA1: 'x-amz-checksum-sha1',
  SHA256: 'x-amz-checksum-sha256',
};

const DIGEST_SIZE_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };

export function algorithmForHeader(headerName: string): ChecksumAlgorithm | undefined {
  for (const [algorithm, name] of Object.entries(CHECKSUM_HEADER_BY_ALGORITHM)) {
    if (name === headerName) return algorithm as ChecksumAlgorithm;
  }
  return undefined;
}

export function parseChecksumAlgorithm(value: string): ChecksumAlgorithm | undefined {
  const upper = value.toUpperCase();
  return upper in DIGEST_SIZE_BYTES ? (upper as ChecksumAlgorithm) : undefined;
}

class Crc32Checksummer implements Checksummer {
  private state = 0;
  constructor(private readonly kernel: (data: Uint8Array, previous: number) => number) {}
  update(data: Buffer): void {
    this.state = this.kernel(data, this.state);
  }
  digest(): Buffer {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.state >>> 0);
    return out;
  }
}

class Crc64NvmeChecksummer implements Checksummer {
  private state = 0n;
  update(data: Buffer): void {
    this.state = crc64nvme(data, this.state);
  }
  digest(): Buffer {
    return crc64nvmeToBytes(this.state);
  }
}

class HashChecksummer implements Checksummer {
  private readonly hash: Hash;
  constructor(algorithm: 'sha1' | 'sha256') {
    this.hash = createHash(algorithm);
  }
  update(data: Buffer): void {
    this.hash.update(data);
  }
  digest(): Buffer {
    return this.hash.digest();
  }
}

export function createChecksummer(algorithm: ChecksumAlgorithm): Checksummer {
  switch (algorithm) {
    case 'CRC32':
      return new Crc32Checksummer(crc32);
    case 'CRC32C':
      return new Crc32Checksummer(crc32c);
    case 'SHA1':
      return new HashChecksummer('sha1');
    case 'SHA256':
      return new HashChecksummer('sha256');
    case 'CRC64NVME':
      return new Crc64NvmeChecksummer();
  }
}

/** Algorithms whose checksums combine into a whole-object value (FULL_OBJECT multipart checksums). */
export const FULL_OBJECT_ALGORITHMS: ReadonlySet<ChecksumAlgorithm> = new Set(['CRC32', 'CRC32C', 'CRC64NVME']);
/** Algorithms that support a checksum of part checksums (COMPOSITE multipart checksums). */
export const COMPOSITE_ALGORITHMS: ReadonlySet<ChecksumAlgorithm> = new Set(['CRC32', 'CRC32C', 'SHA1', 'SHA256']);

/** The CRC of the concatenation of several pieces, from each piece's CRC and length. */
export function combineCrcs(algorithm: ChecksumAlgorithm, pieces: Array<{ digest: Buffer; sizeBytes: number }>): Buffer {
  if (algorithm === 'CRC64NVME') {
    let combined = 0n;
    for (const piece of pieces) combined = crc64nvmeCombine(combined, piece.digest.readBigUInt64BE(), piece.sizeBytes);
    return crc64nvmeToBytes(combined);
  }
  const combine = algorithm === 'CRC32' ? crc32Combine : algorithm === 'CRC32C' ? crc32cCombine : undefined;
  if (combine === undefined) throw new Error(`${algorithm} checksums cannot be combined`);
  let combined = 0;
  for (const piece of pieces) combined = combine(combined, piece.digest.readUInt32BE(), piece.sizeBytes);
  const out = Buffer.alloc(4);
  out.writeUInt32BE(combined >>> 0);
  return out;
}

/** Validates a client-supplied base64 checksum value's shape (InvalidRequest, as S3 answers). */
export function assertChecksumValueShape(algorithm: ChecksumAlgorithm, valueBase64: string): void {
  const decoded = Buffer.from(valueBase64, 'base64');
  if (decoded.byteLength !== DIGEST_SIZE_BYTES[algorithm] || decoded.toString('base64') !== valueBase64) {
    throw new S3Error('InvalidRequest', `Value for ${CHECKSUM_HEADER_BY_ALGORITHM[algorithm]} header is invalid.`);
  }
}
