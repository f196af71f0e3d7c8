// What `cairn admin rebuild-index` learns from the drives: every record of every volume, grouped by
// data id (the `v` of a record header), with where each record is. From it come the placements of
// complete objects, parts and multipart manifests, and the data ids that tombstones mark deleted.
// Memory: one small entry per record (about 100 bytes), bounded by what the drives hold.
import { STRIPE_DATA_SIZE_BYTES } from '../../../storage/constants.js';
import type { ChunkLocation, ErasurePlacement, Placement, ScannedRecord, ShardLocation } from '../../../storage/index.js';
import { RECORD_TYPE_DATA, RECORD_TYPE_TOMBSTONE } from '../../../storage/index.js';

/** Record type 3 (a shard of an erasure set); see docs/storage-format.md. */
const RECORD_TYPE_SHARD = 3;

interface DataEntry {
  bucket: string;
  key: string;
  /** The final record's `meta`, once seen. */
  meta?: Record<string, unknown>;
  sizeBytes?: number;
  /** Standalone: chunks by seq. */
  chunks: Map<number, ChunkLocation>;
  /** Standalone: the final record's `chunks`. Erasure: the final records' `stripes`. */
  unitCount?: number;
  /** Erasure: "k+m" and the shards by stripe, then shard index (with the drive each is on). */
  layout?: string;
  stripes: Map<number, Map<number, ShardLocation & { driveIndex: number }>>;
}

export interface CompleteData {
  dataId: string;
  bucket: string;
  key: string;
  meta: Record<string, unknown>;
  placement: Placement;
}

/** A tombstone record with a `kind`: an event with no data of its own (src/services/event-records.ts). */
export interface EventRecord {
  kind: string;
  bucket: string;
  key: string;
  /** The record's data id: orders events among themselves and with object writes. */
  id: string;
  atMs: number;
  header: Record<string, unknown>;
}

export interface CatalogCounts {
  recordsScanned: number;
  recordsInvalid: number;
  tombstones: number;
}

export class RecordCatalog {
  private readonly entries = new Map<string, DataEntry>();
  /** Data ids a tombstone marks deleted. */
  readonly deletedDataIds = new Set<string>();
  /** Every bucket a record names. */
  readonly bucketsSeen = new Set<string>();
  /** By id: a set writes each event record to every drive. */
  readonly events = new Map<string, EventRecord>();
  readonly counts: CatalogCounts = { recordsScanned: 0, recordsInvalid: 0, tombstones: 0 };

  constructor(private readonly driveCount: number) {}

  add(record: ScannedRecord): void {
    this.counts.recordsScanned += 1;
    const { b: bucket, k: key, v: dataId } = record.header as { b?: unknown; k?: unknown; v?: unknown };
    if (!record.valid || typeof bucket !== 'string' || typeof key !== 'string' || typeof dataId !== 'string') {
      this.counts.recordsInvalid += 1;
      return;
    }
    this.bucketsSeen.add(bucket);
    if (record.type === RECORD_TYPE_TOMBSTONE) {
      this.counts.tombstones += 1;
      const { kind, at } = record.header;
      if (typeof kind === 'string') this.events.set(dataId, { kind, bucket, key, id: dataId, atMs: typeof at === 'number' ? at : 0, header: record.header });
      else this.deletedDataIds.add(dataId);
      return;
    }
    let entry = this.entries.get(dataId);
    if (entry === undefined) {
      entry = { bucket, key, chunks: new Map(), stripes: new Map() };
      this.entries.set(dataId, entry);
    }
    if (entry.bucket !== bucket || entry.key !== key) {
      this.counts.recordsInvalid += 1;
      return;
    }
    if (record.type === RECORD_TYPE_DATA) this.addChunk(entry, record);
    else if (record.type === RECORD_TYPE_SHARD) this.addShard(entry, record);
  }

  private addChunk(entry: DataEntry, record: ScannedRecord): void {
    const seq = record.header['seq'];
    if (typeof seq !== 'number') return;
    entry.chunks.set(seq, {
      volumeId: record.volumeId, recordOffsetBytes: record.recordOffsetBytes,
      headerJsonLengthBytes: record.headerJsonLengthBytes, payloadLengthBytes: record.payloadLengthBytes,
    });
    if (record.final) this.takeFinal(entry, record.header, record.header['chunks']);
  }

  private addShard(entry: DataEntry, record: ScannedRecord): void {
    const { st: stripe, sh: shard, ec: layout } = record.header;
    if (typeof stripe !== 'number' || typeof shard !== 'number' || typeof layout !== 'string' || record.driveIndex === undefined) return;
    entry.layout ??= layout;
    if (entry.layout !== layout) return;
    let shards = entry.stripes.get(stripe);
    if (shards === undefined) {
      shards = new Map();
      entry.stripes.set(stripe, shards);
    }
    shards.set(shard, {
      volumeId: record.volumeId, recordOffsetBytes: record.recordOffsetBytes,
      headerJsonLengthBytes: record.headerJsonLengthBytes, driveIndex: record.driveIndex,
    });
    if (record.final) this.takeFinal(entry, record.header, record.header['stripes']);
  }

  private takeFinal(entry: DataEntry, header: Record<string, unknown>, unitCount: unknown): void {
    const meta = header['meta'];
    if (typeof meta !== 'object' || meta === null || typeof header['size'] !== 'number' || typeof unitCount !== 'number') return;
    entry.meta = meta as Record<string, unknown>;
    entry.sizeBytes = header['size'];
    entry.unitCount = unitCount;
  }

  /** Every data id whose records are all there and not deleted by a tombstone, with its placement. */
  *completeData(): Generator<CompleteData> {
    for (const [dataId, entry] of this.entries) {
      if (this.deletedDataIds.has(dataId) || entry.meta === undefined) continue;
      const placement = entry.layout === undefined ? standalonePlacement(entry) : this.erasurePlacement(entry);
      if (placement !== undefined) yield { dataId, bucket: entry.bucket, key: entry.key, meta: entry.meta, placement };
    }
  }

  private erasurePlacement(entry: DataEntry): Placement | undefined {
    const match = /^(\d+)\+(\d+)$/.exec(entry.layout!);
    if (match === null) return undefined;
    const dataShards = Number(match[1]);
    const parityShards = Number(match[2]);
    const width = dataShards + parityShards;
    // Shard i of stripe s is on drives[(i + s) mod width]: each record found names one position.
    const drives: Array<number | undefined> = new Array(width).fill(undefined);
    const stripes: Array<Array<ShardLocation | null>> = [];
    for (let stripe = 0; stripe < entry.unitCount!; stripe += 1) {
      const shards = entry.stripes.get(stripe);
      if (shards === undefined || shards.size < dataShards) return undefined;
      const row: Array<ShardLocation | null> = new Array(width).fill(null);
      for (const [shard, { driveIndex, ...location }] of shards) {
        if (shard >= width) return undefined;
        drives[(shard + stripe) % width] = driveIndex;
        row[shard] = location;
      }
      stripes.push(row);
    }
    // A position no record names held only shards that were never written: any unused drive will do.
    const unused = [...Array(this.driveCount).keys()].filter((drive) => !drives.includes(drive));
    const erasure: ErasurePlacement = {
      dataShards, parityShards, stripeDataSizeBytes: STRIPE_DATA_SIZE_BYTES,
      drives: drives.map((drive) => drive ?? unused.shift()!),
      stripes,
    };
    return { sizeBytes: entry.sizeBytes!, chunks: [], erasure };
  }
}

function standalonePlacement(entry: DataEntry): Placement | undefined {
  const chunks: ChunkLocation[] = [];
  for (let seq = 0; seq < entry.unitCount!; seq += 1) {
    const chunk = entry.chunks.get(seq);
    if (chunk === undefined) return undefined;
    chunks.push(chunk);
  }
  return { sizeBytes: entry.sizeBytes!, chunks };
}
