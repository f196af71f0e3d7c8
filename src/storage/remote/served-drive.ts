// One drive directory as a drive server serves it. Each client (a front-end process, named by its
// session id) appends to volumes of its own — a DriveStore per session, as each local worker process
// has its own — so two front ends never append to the same volume file. A record appended under a
// lease pins its volume (the volume keeps its `.active` marker, so compaction leaves it alone) until
// the client releases it; a session idle longer than DRIVE_SESSION_IDLE_MS_MAX (its front end is
// gone) is closed, which releases its pins and seals its volumes. An empty directory stays empty
// until a front end formats it as a member of its erasure set.
import { open } from 'node:fs/promises';
import { RECORD_FIXED_HEADER_SIZE_BYTES } from '../constants.js';
import { clearHealPending, ensureVolumesDirectory, initialiseDrive, inspectDrive, isHealPending, volumePath, type DriveFormat, type DriveInspection, type DriveSetMembership } from '../drive.js';
import { DriveStore } from '../drive-store.js';
import { StorageCorruptionError } from '../errors.js';
import { readFully } from '../reader.js';
import { verifyRecordBytes } from '../record.js';
import { deleteSealedVolumeFile, listVolumeFiles, markUnreferenced, rewriteRecordInPlace, unmarkUnreferenced, type VolumeFileState } from '../volume-files.js';
import type { Volume } from '../volume.js';
import { DRIVE_FORMAT_VERSION_SET } from '../constants.js';
import { encodedRecordOf } from './drive-io.js';
import { DRIVE_SESSION_IDLE_MS_MAX, DRIVE_SESSIONS_PER_DRIVE_MAX } from './protocol.js';

/** A request the drive cannot take as it stands (answered 409): unformatted, already formatted, not sealed. */
export class DriveStateError extends Error {}

interface Session {
  store: DriveStore;
  /** Volumes pinned for this client, with how many leased appends each still holds. */
  pins: Map<number, { volume: Volume; count: number }>;
  lastSeenMs: number;
}

/** The session of appends that name none (tools and tests): never expires. */
const ANONYMOUS_SESSION = '';

export class ServedDrive {
  private format: DriveFormat | null = null;
  private readonly sessions = new Map<string, Session>();
  private readonly opening = new Map<string, Promise<Session>>();

  private constructor(readonly directory: string, private readonly log: (line: string) => void, private readonly volumeSizeBytesMax: number | undefined) {}

  static async open(directory: string, log: (line: string) => void, volumeSizeBytesMax?: number): Promise<ServedDrive> {
    const drive = new ServedDrive(directory, log, volumeSizeBytesMax);
    const inspection = await inspectDrive(directory, DRIVE_FORMAT_VERSION_SET);
    if (inspection.kind === 'formatted') {
      await ensureVolumesDirectory(directory);
      drive.format = inspection.format;
    }
    return drive;
  }

  /** What the directory holds now, and whether it waits for heal (a health check). */
  async inspect(sessionId: string): Promise<{ inspection: DriveInspection; healPending: boolean }> {
    this.touch(sessionId);
    const inspection = await inspectDrive(this.directory, DRIVE_FORMAT_VERSION_SET);
    return { inspection, healPending: await isHealPending(this.directory) };
  }

  /** Formats an empty drive: a set member when `set` is given, else a standalone drive. */
  async initialise(set: DriveSetMembership | undefined, replacing: boolean): Promise<DriveFormat> {
    const inspection = await inspectDrive(this.directory, DRIVE_FORMAT_VERSION_SET);
    if (inspection.kind === 'formatted') throw new DriveStateError(`the drive is formatted already (${inspection.format.driveId})`);
    const format = await initialiseDrive(this.directory, inspection.exists, set, replacing);
    await ensureVolumesDirectory(this.directory);
    this.format = format;
    this.log(`drive server: formatted ${this.directory}${set === undefined ? '' : ` as drive ${set.driveIndex + 1} of ${set.driveCount} of erasure set ${set.id}`}`);
    return format;
  }

  /** Appends one record durably in the session's own volume; `leased` pins that volume until released. */
  async append(sessionId: string, recordBytes: Buffer, leased: boolean): Promise<{ volumeId: number; offsetBytes: number }> {
    const record = encodedRecordOf(recordBytes);
    const session = await this.session(sessionId);
    const { volume, offsetBytes } = await session.store.appendRecord(record);
    if (leased) {
      const pin = session.pins.get(volume.volumeId) ?? { volume, count: 0 };
      if (pin.count === 0) volume.pin();
      pin.count += 1;
      session.pins.set(volume.volumeId, pin);
    }
    await session.store.syncThrough(volume, offsetBytes + record.sizeBytes);
    return { volumeId: volume.volumeId, offsetBytes };
  }

  /** The client committed (or abandoned) `count` leased appends to the volume. */
  release(sessionId: string, volumeId: number, count: number): void {
    const session = this.sessions.get(sessionId);
    const pin = session?.pins.get(volumeId);
    if (session === undefined || pin === undefined) return;
    session.lastSeenMs = Date.now();
    pin.count = Math.max(0, pin.count - count);
    if (pin.count > 0) return;
    session.pins.delete(volumeId);
    pin.volume.unpin();
  }

  /** One record's bytes, verified (a damaged or missing record is a StorageCorruptionError). */
  async readRecord(volumeId: number, offsetBytes: number, sizeBytes: number): Promise<Buffer> {
    if (sizeBytes < RECORD_FIXED_HEADER_SIZE_BYTES) throw new RangeError('a record is at least its fixed header');
    const bytes = await this.readVolumeBytes(volumeId, offsetBytes, sizeBytes);
    if (bytes.length !== sizeBytes) throw new StorageCorruptionError(volumeId, offsetBytes, 'record extends past the end of the volume');
    const check = verifyRecordBytes(bytes);
    if (!check.ok) throw new StorageCorruptionError(volumeId, offsetBytes, check.problem);
    return bytes;
  }

  /** Raw bytes of a volume (scans verify what they read); fewer at its end. A missing volume is corruption. */
  async readVolumeBytes(volumeId: number, offsetBytes: number, sizeBytes: number): Promise<Buffer> {
    this.formatted();
    let handle;
    try {
      handle = await open(volumePath(this.directory, volumeId), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new StorageCorruptionError(volumeId, offsetBytes, 'volume file is missing');
      throw error;
    }
    try {
      const bytes = Buffer.allocUnsafe(sizeBytes);
      return bytes.subarray(0, await readFully(handle, bytes, offsetBytes));
    } finally {
      await handle.close();
    }
  }

  listVolumeFiles(): Promise<VolumeFileState[]> {
    this.formatted();
    return listVolumeFiles(this.directory);
  }

  markUnreferenced(volumeId: number, sinceMs: number): Promise<void> {
    return markUnreferenced(this.directory, volumeId, sinceMs);
  }

  unmarkUnreferenced(volumeId: number): Promise<void> {
    return unmarkUnreferenced(this.directory, volumeId);
  }

  deleteSealedVolume(volumeId: number): Promise<void> {
    this.formatted();
    return deleteSealedVolumeFile(this.directory, volumeId);
  }

  /** Audit repair: a verified record over one of the same size. */
  rewriteRecord(volumeId: number, offsetBytes: number, recordBytes: Buffer): Promise<void> {
    this.formatted();
    encodedRecordOf(recordBytes);
    return rewriteRecordInPlace(this.directory, volumeId, offsetBytes, recordBytes);
  }

  markHealed(): Promise<void> {
    return clearHealPending(this.directory);
  }

  /** Closes sessions idle too long: their front end is gone (or cut off); their volumes get sealed. */
  async sweep(nowMs = Date.now()): Promise<void> {
    for (const [sessionId, session] of this.sessions) {
      if (sessionId === ANONYMOUS_SESSION || nowMs - session.lastSeenMs <= DRIVE_SESSION_IDLE_MS_MAX) continue;
      this.sessions.delete(sessionId);
      this.log(`drive server: ${this.directory}: session ${sessionId} idle for ${DRIVE_SESSION_IDLE_MS_MAX} ms: closing it`);
      await this.closeSession(session);
    }
  }

  async close(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const session of sessions) await this.closeSession(session);
  }

  private async closeSession(session: Session): Promise<void> {
    for (const pin of session.pins.values()) pin.volume.unpin();
    session.pins.clear();
    await session.store.close().catch((error: Error) => this.log(`drive server: closing a session of ${this.directory}: ${error.message}`));
  }

  private touch(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (session !== undefined) session.lastSeenMs = Date.now();
  }

  private formatted(): DriveFormat {
    if (this.format === null) throw new DriveStateError('the drive is not formatted yet');
    return this.format;
  }

  /** The session's store, opened on its first append (a new volume of its own). */
  private async session(sessionId: string): Promise<Session> {
    const format = this.formatted();
    const existing = this.sessions.get(sessionId);
    if (existing !== undefined) {
      existing.lastSeenMs = Date.now();
      return existing;
    }
    let opening = this.opening.get(sessionId);
    if (opening === undefined) {
      if (this.sessions.size + this.opening.size >= DRIVE_SESSIONS_PER_DRIVE_MAX) throw new DriveStateError(`a drive serves at most ${DRIVE_SESSIONS_PER_DRIVE_MAX} sessions`);
      opening = DriveStore.open({ drivePath: this.directory, format, log: this.log, volumeSizeBytesMax: this.volumeSizeBytesMax }).then((store) => {
        const session: Session = { store, pins: new Map(), lastSeenMs: Date.now() };
        this.sessions.set(sessionId, session);
        return session;
      }).finally(() => this.opening.delete(sessionId));
      this.opening.set(sessionId, opening);
    }
    return opening;
  }
}
