// The 'corrupt' fault: flips N random bytes in random records of one drive's volume files, once,
// now. Bytes are chosen after each record's fixed header (in its header JSON or payload), so a
// damaged record still has trustworthy lengths and a scan of the volume goes on past it; the CRCs
// catch every flipped byte when the record is read.

import { randomInt } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { listVolumeIds, volumePath } from '../../storage/drive.js';
import { RECORD_FIXED_HEADER_SIZE_BYTES } from '../../storage/constants.js';
import { scanVolume } from '../../storage/scan.js';

/** Records looked at to choose from (reservoir sampling keeps memory bounded by the bytes asked for). */
export const CORRUPT_RECORDS_SCANNED_MAX = 1_000_000;

export interface CorruptedByte {
  volumeId: number;
  recordOffsetBytes: number;
  /** Absolute position in the volume file of the flipped byte. */
  byteOffset: number;
}

interface Candidate {
  volumeId: number;
  recordOffsetBytes: number;
  sizeBytes: number;
}

/** Flips `byteCount` bytes (each in a different record while there are enough records); returns where. */
export async function corruptRandomRecords(drivePath: string, byteCount: number): Promise<CorruptedByte[]> {
  const chosen = await sampleRecords(drivePath, byteCount);
  const corrupted: CorruptedByte[] = [];
  if (chosen.length === 0) return corrupted;
  const used = new Set<string>();
  for (let index = 0; index < byteCount; index++) {
    const record = chosen[index % chosen.length]!;
    let byteOffset: number;
    // Distinct bytes: flipping one twice would undo it.
    do {
      byteOffset = record.recordOffsetBytes + RECORD_FIXED_HEADER_SIZE_BYTES + randomInt(record.sizeBytes - RECORD_FIXED_HEADER_SIZE_BYTES);
    } while (used.has(`${record.volumeId}:${byteOffset}`) && used.size < byteCount * 2);
    used.add(`${record.volumeId}:${byteOffset}`);
    await flipByte(volumePath(drivePath, record.volumeId), byteOffset);
    corrupted.push({ volumeId: record.volumeId, recordOffsetBytes: record.recordOffsetBytes, byteOffset });
  }
  return corrupted;
}

async function sampleRecords(drivePath: string, sampleSize: number): Promise<Candidate[]> {
  const sample: Candidate[] = [];
  let seen = 0;
  for (const volumeId of await listVolumeIds(drivePath)) {
    const handle = await fs.open(volumePath(drivePath, volumeId), 'r');
    try {
      const { size } = await handle.stat();
      for await (const record of scanVolume(handle, volumeId, size)) {
        if (!record.valid) continue;
        const sizeBytes = RECORD_FIXED_HEADER_SIZE_BYTES + record.headerJsonLengthBytes + record.payloadLengthBytes;
        const candidate = { volumeId, recordOffsetBytes: record.recordOffsetBytes, sizeBytes };
        seen += 1;
        if (sample.length < sampleSize) sample.push(candidate);
        else {
          const slot = randomInt(seen);
          if (slot < sampleSize) sample[slot] = candidate;
        }
        if (seen >= CORRUPT_RECORDS_SCANNED_MAX) return sample;
      }
    } finally {
      await handle.close();
    }
  }
  return sample;
}

async function flipByte(path: string, byteOffset: number): Promise<void> {
  const handle = await fs.open(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, byteOffset);
    // XOR with a non-zero value: the byte always changes.
    byte[0] = byte[0]! ^ (1 + randomInt(255));
    await handle.write(byte, 0, 1, byteOffset);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
