// Volume files and the marker files beside them (docs/storage-format.md, "Volume files" and
// "Compaction"), all in a drive's volumes/ directory:
//
//   NNNNNNNNNN.vol        the volume: records, append-only
//   NNNNNNNNNN.active     the process that appends to it (pid and start time). Created *before* the
//                         volume, removed once the volume is closed and every writer that appended to
//                         it has committed its placement or abandoned it. A volume without a live
//                         marker is sealed: nothing will ever be appended to it or newly referenced in it.
//   NNNNNNNNNN.compacted  compaction found no record of it referenced (at the time inside); the volume
//                         is deleted once the grace period after that time is over.

import * as fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { VOLUME_CREATE_ATTEMPTS_MAX, VOLUME_ID_MAX } from './constants.js';
import { fsyncDirectory, listVolumeIds, volumesDirPath } from './drive.js';
import { currentProcessIdentity, isProcessAlive, type ProcessIdentity } from './process-identity.js';
import { scanVolume, type ScannedRecord } from './scan.js';

const MARKER_FILE_PATTERN = /^(\d{10})\.(vol|active|compacted)$/;
/** A marker that cannot be parsed is being written right now, or is a crash leftover once this old. */
const UNREADABLE_MARKER_AGE_MS_MAX = 60_000;
const MARKER_FILE_SIZE_BYTES_MAX = 4096;

function markerPath(drivePath: string, volumeId: number, kind: 'active' | 'compacted'): string {
  return path.join(volumesDirPath(drivePath), `${String(volumeId).padStart(10, '0')}.${kind}`);
}

function volumeFilePath(drivePath: string, volumeId: number): string {
  return path.join(volumesDirPath(drivePath), `${String(volumeId).padStart(10, '0')}.vol`);
}

/**
 * Creates a new, empty volume file with the next free id and returns it open for positioned writes.
 * The id is claimed by creating its `.active` marker with O_EXCL first (so no compactor ever sees the
 * volume unowned), then the volume itself with O_EXCL; on EEXIST another process took that id, so
 * try the next. Never O_APPEND: Linux ignores the position of pwritev on O_APPEND files.
 */
export async function createVolumeFile(drivePath: string): Promise<{ volumeId: number; handle: FileHandle }> {
  const existing = await listVolumeIds(drivePath);
  let volumeId = (existing.at(-1) ?? 0) + 1;
  for (let attempt = 0; attempt < VOLUME_CREATE_ATTEMPTS_MAX; attempt++, volumeId++) {
    if (volumeId > VOLUME_ID_MAX) break;
    try {
      // Not fsync'ed: after a crash its process is gone, and a marker of a dead process means nothing.
      await fs.writeFile(markerPath(drivePath, volumeId, 'active'), JSON.stringify(currentProcessIdentity()), { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    let handle: FileHandle;
    try {
      handle = await fs.open(volumeFilePath(drivePath, volumeId), 'wx', 0o600);
    } catch (error) {
      await removeActiveMarker(drivePath, volumeId);
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    try {
      // The new name must be durable before any record in it is acknowledged.
      await fsyncDirectory(volumesDirPath(drivePath));
    } catch (error) {
      await handle.close();
      throw error;
    }
    return { volumeId, handle };
  }
  throw new Error(`could not allocate a volume id on drive ${drivePath} after ${VOLUME_CREATE_ATTEMPTS_MAX} attempts`);
}

/** The volume is closed and no writer still needs it: it is sealed from now on. */
export async function removeActiveMarker(drivePath: string, volumeId: number): Promise<void> {
  await fs.rm(markerPath(drivePath, volumeId, 'active'), { force: true });
}

export interface VolumeFileState {
  volumeId: number;
  sizeBytes: number;
  /**
   * No live process owns it (nothing will be appended to it or newly referenced in it), and it is not
   * the drive's newest volume.
   */
  sealed: boolean;
  /** Set when compaction marked it for deletion: when it verified that nothing references it. */
  unreferencedSinceMs?: number;
}

/**
 * Every volume of the drive with its state, ascending by id. Stale `.active` markers (of processes
 * that are gone) are removed on the way, and so are `.compacted` markers whose volume is gone (a
 * crash between deleting the volume and its marker).
 */
export async function listVolumeFiles(drivePath: string): Promise<VolumeFileState[]> {
  const directory = volumesDirPath(drivePath);
  const volumes = new Map<number, boolean>();
  const active: number[] = [];
  const compacted: number[] = [];
  for (const name of await fs.readdir(directory)) {
    const match = MARKER_FILE_PATTERN.exec(name);
    if (match === null) continue;
    const volumeId = Number(match[1]);
    if (match[2] === 'vol') volumes.set(volumeId, true);
    else if (match[2] === 'active') active.push(volumeId);
    else compacted.push(volumeId);
  }
  const owned = new Set<number>();
  for (const volumeId of active) {
    if (await activeMarkerIsLive(drivePath, volumeId)) owned.add(volumeId);
    else await removeActiveMarker(drivePath, volumeId);
  }
  const states: VolumeFileState[] = [];
  for (const volumeId of [...volumes.keys()].sort((a, b) => a - b)) {
    let sizeBytes: number;
    try {
      sizeBytes = (await fs.stat(volumeFilePath(drivePath, volumeId))).size;
    } catch {
      continue;
    }
    const state: VolumeFileState = { volumeId, sizeBytes, sealed: !owned.has(volumeId) };
    if (compacted.includes(volumeId)) {
      const since = await readUnreferencedSince(drivePath, volumeId);
      if (since !== undefined) state.unreferencedSinceMs = since;
    }
    states.push(state);
  }
  for (const volumeId of compacted) {
    if (!volumes.has(volumeId)) await fs.rm(markerPath(drivePath, volumeId, 'compacted'), { force: true });
  }
  // The newest volume is never sealed: deleting it would let createVolumeFile reuse its id, and a
  // reader holding an old placement must never find another volume's records under that name.
  const newest = states.at(-1);
  if (newest !== undefined) newest.sealed = false;
  return states;
}

async function activeMarkerIsLive(drivePath: string, volumeId: number): Promise<boolean> {
  const markerFile = markerPath(drivePath, volumeId, 'active');
  let owner: ProcessIdentity;
  try {
    const text = await fs.readFile(markerFile, 'utf8');
    owner = JSON.parse(text.slice(0, MARKER_FILE_SIZE_BYTES_MAX)) as ProcessIdentity;
    if (!Number.isSafeInteger(owner.pid)) throw new Error('no pid');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    const stat = await fs.stat(markerFile).catch(() => null);
    return stat !== null && Date.now() - stat.mtimeMs < UNREADABLE_MARKER_AGE_MS_MAX;
  }
  return isProcessAlive(owner);
}

async function readUnreferencedSince(drivePath: string, volumeId: number): Promise<number | undefined> {
  try {
    const value = JSON.parse(await fs.readFile(markerPath(drivePath, volumeId, 'compacted'), 'utf8')) as { unreferencedSinceMs?: unknown };
    return typeof value.unreferencedSinceMs === 'number' ? value.unreferencedSinceMs : undefined;
  } catch {
    return undefined;
  }
}

/** Records that nothing referenced the volume at `sinceMs` (written whole: temp file, rename). */
export async function markUnreferenced(drivePath: string, volumeId: number, sinceMs: number): Promise<void> {
  const target = markerPath(drivePath, volumeId, 'compacted');
  const temporary = `${target}.${process.pid}.tmp`;
  await fs.writeFile(temporary, JSON.stringify({ unreferencedSinceMs: sinceMs }), { mode: 0o600 });
  await fs.rename(temporary, target);
}

export async function unmarkUnreferenced(drivePath: string, volumeId: number): Promise<void> {
  await fs.rm(markerPath(drivePath, volumeId, 'compacted'), { force: true });
}

/** Deletes a volume compaction emptied; the directory is synced so the space stays reclaimed. */
export async function deleteVolumeFile(drivePath: string, volumeId: number): Promise<void> {
  await fs.rm(volumeFilePath(drivePath, volumeId), { force: true });
  await fsyncDirectory(volumesDirPath(drivePath));
  await unmarkUnreferenced(drivePath, volumeId);
}

/** Deletes a volume if it is sealed; refuses (an Error) one that is not. A volume already gone is fine. */
export async function deleteSealedVolumeFile(drivePath: string, volumeId: number): Promise<void> {
  const state = (await listVolumeFiles(drivePath)).find((volume) => volume.volumeId === volumeId);
  if (state === undefined) return;
  if (!state.sealed) throw new VolumeNotSealedError(`volume ${volumeId} of drive ${drivePath} is not sealed: not deleting it`);
  await deleteVolumeFile(drivePath, volumeId);
}

export class VolumeNotSealedError extends Error {
  override name = 'VolumeNotSealedError';
}

/** One volume's records, verified, each with its bytes, up to the file's size now (scan.ts). */
export async function* scanVolumeFile(drivePath: string, volumeId: number): AsyncGenerator<ScannedRecord & { bytes?: Buffer }> {
  const handle = await fs.open(volumeFilePath(drivePath, volumeId), 'r');
  try {
    const { size } = await handle.stat();
    yield* scanVolume(handle, volumeId, size, { recordBytes: true });
  } finally {
    await handle.close();
  }
}

/**
 * Writes `recordBytes` over the record at `offsetBytes`, durably ('r+': never creates or truncates,
 * so a volume that is gone stays gone). Refuses when the volume no longer holds the whole record.
 */
export async function rewriteRecordInPlace(drivePath: string, volumeId: number, offsetBytes: number, recordBytes: Buffer): Promise<void> {
  const handle = await fs.open(volumeFilePath(drivePath, volumeId), 'r+');
  try {
    const { size } = await handle.stat();
    if (size < offsetBytes + recordBytes.length) throw new Error('the volume no longer holds the whole record');
    await handle.write(recordBytes, 0, recordBytes.length, offsetBytes);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
