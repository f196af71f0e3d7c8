// A standalone drive's record sink: each unit of the streaming writer (writer.ts) is one data record
// of at most one chunk, appended to the drive's active volume; durable once each volume touched is
// fdatasync'ed through the end of this object's last record in it (group commit).

import assert from 'node:assert/strict';
import { CHUNK_SIZE_BYTES_MAX, PLACEMENT_CHUNKS_MAX, RECORD_TYPE_DATA } from './constants.js';
import type { ChunkLocation, DrivePlacement } from './placement.js';
import { encodeRecord, type EncodedRecord } from './record.js';
import type { Volume, VolumeLease } from './volume.js';
import { StreamingObjectWriter, type RecordIdentity, type RecordSink } from './writer.js';

/** What a writer needs from Storage: append a record somewhere and learn where it went. */
export interface RecordAppender {
  appendRecord(record: EncodedRecord, lease?: VolumeLease): Promise<{ volume: Volume; offsetBytes: number }>;
}

export class DriveRecordSink implements RecordSink {
  readonly unitSizeBytes = CHUNK_SIZE_BYTES_MAX;
  readonly bufferCapacityBytes = CHUNK_SIZE_BYTES_MAX;
  readonly unitsMax = PLACEMENT_CHUNKS_MAX;
  readonly unitName = 'chunk';
  /** A record's payload is written (writev) before its append settles; nothing keeps it after. */
  readonly unitFreeAfterAppend = true;
  private readonly chunks: ChunkLocation[] = [];
  /** Per volume touched, the end of our last record in it: what finish() must see durable. */
  private readonly volumeEnds = new Map<Volume, number>();

  constructor(
    private readonly appender: RecordAppender,
    private readonly identity: RecordIdentity,
  ) {}

  append(unit: Buffer, dataBytes: number, seq: number, objectOffsetBytes: number, objectMetadata: Record<string, unknown> | null, _encoded: undefined, lease: VolumeLease): Promise<void> {
    const { bucket: b, key: k, versionId: v } = this.identity;
    const header: Record<string, unknown> = { b, k, v, seq, off: objectOffsetBytes };
    if (objectMetadata !== null) Object.assign(header, { meta: objectMetadata, size: objectOffsetBytes + dataBytes, chunks: seq + 1 });
    const record = encodeRecord(RECORD_TYPE_DATA, objectMetadata !== null, header, unit.subarray(0, dataBytes));
    return this.appender.appendRecord(record, lease).then(({ volume, offsetBytes }) => {
      // Appends settle in order: the writer waits for each before handing over the next.
      assert.equal(this.chunks.length, seq, 'chunks are recorded in order');
      this.chunks.push({ volumeId: volume.volumeId, recordOffsetBytes: offsetBytes, headerJsonLengthBytes: record.headerJsonLengthBytes, payloadLengthBytes: dataBytes });
      this.volumeEnds.set(volume, offsetBytes + record.sizeBytes);
    });
  }

  syncAll(): Promise<unknown> {
    return Promise.all([...this.volumeEnds].map(([volume, endOffsetBytes]) => volume.syncThrough(endOffsetBytes)));
  }

  placement(sizeBytes: number): DrivePlacement {
    return { sizeBytes, chunks: this.chunks.map((chunk) => ({ ...chunk })) };
  }
}

/** Streams one object into data records of at most one chunk each, on a standalone drive. */
export class StorageObjectWriter extends StreamingObjectWriter {
  constructor(appender: RecordAppender, identity: RecordIdentity) {
    super(new DriveRecordSink(appender, identity), identity);
  }
}
