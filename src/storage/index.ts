// The storage layer's public surface. Storage knows nothing of S3 beyond the bucket/key/versionId
// that name each record; it never imports the index or the front end.

export { Storage, type StorageOptions, type StorageStats, type WriterOptions } from './storage.js';
export { describeLayout, layoutFor, writeQuorum, type Layout, type Redundancy } from './erasure/geometry.js';
export type { ErasureSetStats } from './erasure/set.js';
export type { AuditCounts } from './erasure/shard-audit.js';
export type { ErasurePlacement, ShardLocation } from './erasure/placement-codec.js';
export type { ObjectWriter, RecordIdentity } from './writer.js';
export { VolumeLease } from './volume.js';
export { recordsOfPlacement, recordSizeOf, volumeKey, type RecordLocation, type RelocationOutcome } from './compaction.js';
export type { VolumeFileState } from './volume-files.js';
export type { ByteRange, ReadOptions } from './reader.js';
export type { ScannedRecord } from './scan.js';
export { encodePlacement, decodePlacement, type ChunkLocation, type Placement } from './placement.js';
export { StorageCorruptionError, DriveFormatError, ErasureSetError, StorageUnavailableError } from './errors.js';
export { openDrive, volumePath, type DriveFormat } from './drive.js';
export { prepareSet } from './erasure/set-format.js';
export { isRemoteDrive } from './remote/remote-drive.js';
export { CLUSTER_SECRET_CHARS_MIN } from './remote/protocol.js';
export {
  CHUNK_SIZE_BYTES_MAX,
  OBJECT_SIZE_BYTES_MAX,
  RECORD_FIXED_HEADER_SIZE_BYTES,
  RECORD_TYPE_DATA,
  RECORD_TYPE_TOMBSTONE,
  VOLUME_SIZE_BYTES_MAX,
  VOLUME_SIZE_BYTES_MIN,
} from './constants.js';
