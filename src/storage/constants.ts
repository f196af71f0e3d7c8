// Storage-layer limits and on-disk constants (DESIGN.md §2.6: put a limit on everything).
// The on-disk format these describe is documented in docs/storage-format.md.

import { GIB, KIB, MIB } from '../limits.js';

/** A volume file rolls over to a new one before it would grow past this. */
export const VOLUME_SIZE_BYTES_MAX = 1 * GIB;
/** Objects are cut into data records of at most this payload, each with its own CRC32C. */
export const CHUNK_SIZE_BYTES_MAX = 1 * MIB;
/**
 * One ObjectWriter holds at most this many bytes: a single PUT body or one multipart part, both at
 * most 5 GiB in S3. Bounds the placement (and the writer's chunk list) to PLACEMENT_CHUNKS_MAX.
 */
export const OBJECT_SIZE_BYTES_MAX = 5 * GIB;
/** A 0-byte object still has one (empty, final) chunk, so a placement holds 1…this many chunks. */
export const PLACEMENT_CHUNKS_MAX = Math.ceil(OBJECT_SIZE_BYTES_MAX / CHUNK_SIZE_BYTES_MAX);
/** First byte of an encoded placement of a standalone drive (a list of data records). */
export const PLACEMENT_FORMAT_VERSION = 1;
/** First byte of an encoded placement in an erasure set (stripes of shard records across drives). */
export const PLACEMENT_FORMAT_VERSION_ERASURE = 2;

/** 'CRN1' read as a big-endian u32. */
export const RECORD_MAGIC = 0x43524e31;
export const RECORD_FIXED_HEADER_SIZE_BYTES = 24;
/**
 * The header JSON holds bucket (≤ 63 B), key (≤ 1 KiB), version id and the caller's object metadata
 * (S3 user metadata ≤ 2 KiB plus system fields, tags, checksums); 64 KiB leaves ample room while
 * keeping a corrupt length field from making a reader allocate gigabytes.
 */
export const RECORD_HEADER_JSON_SIZE_BYTES_MAX = 64 * KIB;
export const RECORD_SIZE_BYTES_MAX =
  RECORD_FIXED_HEADER_SIZE_BYTES + RECORD_HEADER_JSON_SIZE_BYTES_MAX + CHUNK_SIZE_BYTES_MAX;
export const RECORD_TYPE_DATA = 1;
export const RECORD_TYPE_TOMBSTONE = 2;
/** One shard of one stripe of an object in an erasure set (drive format version 2 only). */
export const RECORD_TYPE_SHARD = 3;
/** flags bit 0: this data record is the last chunk of its object (its header carries meta/size/chunks). */
export const RECORD_FLAG_FINAL = 0x01;
export const RECORD_FLAGS_KNOWN = RECORD_FLAG_FINAL;

/** Smallest volume size a caller may configure (tests use small volumes to exercise rollover). */
export const VOLUME_SIZE_BYTES_MIN = RECORD_SIZE_BYTES_MAX;
/** Volume ids are written as 10 decimal digits in file names and fit a u32. */
export const VOLUME_ID_MAX = 0xffff_ffff;
/** Volume creation retries with the next id on EEXIST (another process took it) at most this often. */
export const VOLUME_CREATE_ATTEMPTS_MAX = 64;

/**
 * One group append (one writev) takes at most this many records / bytes from the queue, so a burst
 * of large records is not held back behind one huge write; the rest go in the next writev.
 * 512 records are ≤ 1024 iovecs (Linux IOV_MAX).
 */
export const APPEND_BATCH_RECORDS_MAX = 512;
export const APPEND_BATCH_SIZE_BYTES_MAX = 16 * MIB;

/** Read-only file descriptors kept open for reads, least recently used closed first. */
export const READ_HANDLES_CACHED_MAX = 64;
/** How often cached read descriptors of deleted (compacted) volume files are closed, freeing their space. */
export const UNLINKED_HANDLES_SWEEP_INTERVAL_MS = 30_000;

/**
 * format.json version of a standalone drive (data records): what `--data DIR` writes, unchanged
 * since the first release, and the newest standalone drive this code can read.
 */
export const DRIVE_FORMAT_VERSION = 1;
/** format.json version of a drive in an erasure set (set fields, shard records). */
export const DRIVE_FORMAT_VERSION_SET = 2;
export const DRIVE_FORMAT_NAME = 'cairn-drive';
/** format.json is a few hundred bytes; refuse to parse anything larger. */
export const DRIVE_FORMAT_FILE_SIZE_BYTES_MAX = 64 * KIB;

/**
 * Erasure sets. The Reed–Solomon kernel (@ronomon/reed-solomon) takes at most 24 data and 6 parity
 * shards; 16 drives per set (12+4) is the widest stripe worth its read fan-out, as in MinIO.
 */
export const SET_DRIVES_MIN = 2;
export const SET_DRIVES_MAX = 16;
/**
 * Objects in an erasure set are cut into stripes of this much object data; each stripe becomes k
 * data shards of ⌈size/k⌉ bytes (rounded up to SHARD_ALIGNMENT_BYTES) plus m parity shards.
 * 1 MiB keeps a stripe's shards (≥ 64 KiB each up to k = 16) large enough for sequential I/O and the
 * kernel's full speed, and a stripe in memory small (two per stream: one sent, one read ahead).
 */
export const STRIPE_DATA_SIZE_BYTES = 1 * MIB;
/**
 * STANDARD objects up to this size are stored as m+1 copies instead of k+m stripes: a read is one
 * record instead of k, a write m+1 records instead of k+m and no parity to compute. They take
 * (m+1)/(k/(k+m)) times the space of striping (1.8× on 6 drives, records included, for 4 KiB).
 * Measured with `npm run bench:erasure` (docs/performance.md, "Small objects").
 */
export const SMALL_OBJECT_COPIES_SIZE_BYTES_MAX = 16 * KIB;
/** The Reed–Solomon kernel works on shards that are a whole number of 8-byte words. */
export const SHARD_ALIGNMENT_BYTES = 8;
/** A 5 GiB object is this many stripes at most. */
export const PLACEMENT_STRIPES_MAX = Math.ceil(OBJECT_SIZE_BYTES_MAX / STRIPE_DATA_SIZE_BYTES);
/** Damaged shards waiting for repair, remembered in memory; beyond this they are counted, not kept. */
export const REPAIR_QUEUE_ENTRIES_MAX = 10_000;
/**
 * How often each drive of a set is checked (format.json still there and still this drive; the
 * active volume still linked). A drive that fails is taken offline at once by the I/O that failed;
 * this check catches a drive that vanished without an I/O error (rm -rf, an unmounted disk) and
 * brings a drive back once it reappears.
 */
export const DRIVE_HEALTH_CHECK_INTERVAL_MS = 1000;
