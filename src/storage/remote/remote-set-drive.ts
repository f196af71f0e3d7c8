// A drive of an erasure set on a drive server (http://HOST:PORT/NAME), as a SetDrive. Appends go to
// volumes of this process's own session on the server and are durable when answered (the server's
// group commit), so syncThrough has nothing left to do. A lease pins the server's volume: the pins
// of a volume are released in one request once no lease of this process holds it. A drive whose
// server does not answer is offline until a health check reaches it again.
import { randomUUID } from 'node:crypto';
import type { DriveFormat, DriveInspection } from '../drive.js';
import type { DriveStoreStats } from '../drive-store.js';
import { DriveOfflineError, StorageCorruptionError } from '../errors.js';
import { DriveFaultState } from '../faults/drive-faults.js';
import type { EncodedRecord } from '../record.js';
import { scanVolume, type ScannedRecord } from '../scan.js';
import type { SetDrive, VolumeRef } from '../set-drive.js';
import type { VolumeFileState } from '../volume-files.js';
import type { VolumeLease } from '../volume.js';
import { DRIVE_REQUEST_BODY_BYTES_MAX } from './protocol.js';
import { DriveUnreachableError, RemoteDriveError, RemoteDriveIo } from './remote-drive.js';

/** A volume of this process's session on the server: counts leases here and leased appends there. */
class RemoteVolume implements VolumeRef {
  private leaseCount = 0;
  /** Leased appends the server pinned for us and we have not released yet. */
  serverPinCount = 0;

  constructor(readonly volumeId: number, private readonly releaseOnServer: (volumeId: number, count: number) => void) {}

  pin(): void {
    this.leaseCount += 1;
  }

  unpin(): void {
    this.leaseCount -= 1;
    this.releaseIfFree();
  }

  /** No lease holds it: give the server back every pin it holds for us. */
  releaseIfFree(): void {
    if (this.leaseCount > 0 || this.serverPinCount === 0) return;
    this.releaseOnServer(this.volumeId, this.serverPinCount);
    this.serverPinCount = 0;
  }
}

export interface RemoteSetDriveOptions {
  location: string;
  secret: string;
  format: DriveFormat;
  member: { driveIndex: number; setId: string };
  log: (line: string) => void;
  offlineReason?: string;
}

export class RemoteSetDrive implements SetDrive {
  readonly faults = new DriveFaultState();
  private readonly session = randomUUID();
  private readonly volumes = new Map<number, RemoteVolume>();
  private offlineReason: string | null;
  private healPendingFlag = false;
  private checking: Promise<void> | null = null;
  private closed = false;
  private readonly counters: DriveStoreStats = { writevCount: 0, fdatasyncCount: 0, recordsAppendedCount: 0, bytesAppended: 0, activeVolumeId: 0, readsCount: 0, readHandlesCached: 0 };

  private constructor(private readonly client: RemoteDriveIo, private driveFormat: DriveFormat, private readonly options: RemoteSetDriveOptions) {
    this.offlineReason = options.offlineReason ?? null;
  }

  static async open(options: RemoteSetDriveOptions): Promise<RemoteSetDrive> {
    const drive = new RemoteSetDrive(RemoteDriveIo.connect(options.location, options.secret), options.format, options);
    if (drive.offlineReason === null) await drive.checkHealth();
    else options.log(`storage: drive ${drive.label} is offline: ${drive.offlineReason}`);
    return drive;
  }

  get drivePath(): string { return this.options.location; }
  get host(): string { return this.client.host; }
  get driveIndex(): number { return this.options.member.driveIndex; }
  get format(): DriveFormat { return this.driveFormat; }
  get online(): boolean { return this.offlineReason === null && !this.closed; }
  get healPending(): boolean { return this.healPendingFlag; }
  get stats(): DriveStoreStats { return { ...this.counters }; }

  private get label(): string {
    return `${this.driveIndex} (${this.options.location})`;
  }

  async markHealed(): Promise<void> {
    await this.request('POST', 'healed');
    this.healPendingFlag = false;
  }

  async appendRecord(record: EncodedRecord, lease?: VolumeLease): Promise<{ volume: VolumeRef; offsetBytes: number }> {
    this.assertUsable();
    if (this.faults.present) await this.faults.beforeIo('write');
    const body = record.parts.length === 1 ? record.parts[0]! : Buffer.concat(record.parts);
    const query = `session=${this.session}${lease === undefined ? '' : '&lease=1'}`;
    const answer = JSON.parse((await this.request('POST', 'records', query, body)).toString('utf8')) as { volumeId: number; offsetBytes: number };
    this.counters.recordsAppendedCount += 1;
    this.counters.bytesAppended += body.length;
    this.counters.activeVolumeId = answer.volumeId;
    const volume = this.volumeOf(answer.volumeId);
    if (lease !== undefined) {
      volume.serverPinCount += 1;
      lease.hold(volume);
      // A lease released while this append was in flight does not hold it: give the pin back now.
      volume.releaseIfFree();
    }
    return { volume, offsetBytes: answer.offsetBytes };
  }

  async appendDurably(record: EncodedRecord): Promise<void> {
    await this.appendRecord(record);
  }

  /** The server answered each append once it was durable. */
  async syncThrough(_volume: VolumeRef, _endOffsetBytes: number): Promise<void> {
    if (this.faults.present) await this.faults.beforeIo('sync');
  }

  async readRecordBytes(volumeId: number, offsetBytes: number, sizeBytes: number): Promise<Buffer> {
    this.assertUsable();
    this.counters.readsCount += 1;
    if (this.faults.present) await this.faults.beforeIo('read');
    try {
      return await this.request('GET', 'records', `volume=${volumeId}&offset=${offsetBytes}&size=${sizeBytes}`);
    } catch (error) {
      if (error instanceof RemoteDriveError && error.status === 409) throw new StorageCorruptionError(volumeId, offsetBytes, error.message);
      throw error;
    }
  }

  async *scanRecords(): AsyncGenerator<ScannedRecord> {
    for (const volume of await this.listVolumeFiles()) {
      for await (const record of this.scanVolumeTo(volume.volumeId, volume.sizeBytes, false)) yield { ...record, driveIndex: this.driveIndex };
    }
  }

  async *scanVolume(volumeId: number): AsyncGenerator<ScannedRecord & { bytes?: Buffer }> {
    const state = (await this.listVolumeFiles()).find((volume) => volume.volumeId === volumeId);
    if (state === undefined) throw new StorageCorruptionError(volumeId, 0, 'volume file is missing');
    yield* this.scanVolumeTo(volumeId, state.sizeBytes, true);
  }

  private scanVolumeTo(volumeId: number, sizeBytes: number, recordBytes: boolean): AsyncGenerator<ScannedRecord & { bytes?: Buffer }> {
    // The scan reads windows of the volume; each read is one request of at most a record's size.
    const reader = {
      read: async (buffer: Buffer, offset: number, length: number, position: number) => {
        const wanted = Math.min(length, DRIVE_REQUEST_BODY_BYTES_MAX);
        const bytes = await this.request('GET', 'bytes', `volume=${volumeId}&offset=${position}&size=${wanted}`);
        bytes.copy(buffer, offset);
        return { bytesRead: bytes.length };
      },
    };
    return scanVolume(reader, volumeId, sizeBytes, { recordBytes });
  }

  async listVolumeFiles(): Promise<VolumeFileState[]> {
    this.assertUsable();
    return JSON.parse((await this.request('GET', 'volumes')).toString('utf8')) as VolumeFileState[];
  }

  async markUnreferenced(volumeId: number, sinceMs: number): Promise<void> {
    await this.request('POST', 'mark', `volume=${volumeId}&since=${sinceMs}`);
  }

  async unmarkUnreferenced(volumeId: number): Promise<void> {
    await this.request('POST', 'unmark', `volume=${volumeId}`);
  }

  async deleteSealedVolume(volumeId: number): Promise<void> {
    try {
      await this.request('POST', 'delete', `volume=${volumeId}`);
    } catch (error) {
      if (error instanceof RemoteDriveError && error.status === 412) throw new Error(`volume ${volumeId} of drive ${this.driveIndex} is not sealed: not deleting it (${error.message})`);
      throw error;
    }
  }

  async rewriteRecord(volumeId: number, offsetBytes: number, recordBytes: Buffer): Promise<void> {
    await this.request('PUT', 'records', `volume=${volumeId}&offset=${offsetBytes}`, recordBytes);
  }

  /** Reaches the server: brings the drive online when it answers with this drive, takes it offline when not. */
  checkHealth(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.checking ??= this.runHealthCheck().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async runHealthCheck(): Promise<void> {
    let problem: string | null = null;
    try {
      if (this.faults.present) await this.faults.beforeIo('read');
      const { inspection, healPending } = JSON.parse((await this.client.call('GET', 'inspect', `session=${this.session}`)).toString('utf8')) as { inspection: DriveInspection; healPending: boolean };
      problem = this.inspectionProblem(inspection);
      if (problem === null) {
        this.healPendingFlag = healPending;
        if (inspection.kind === 'formatted') this.driveFormat = inspection.format;
      }
    } catch (error) {
      problem = (error as Error).message;
    }
    if (this.closed) return;
    if (problem !== null) {
      if (this.offlineReason === null) this.options.log(`storage: drive ${this.label} is OFFLINE: ${problem}`);
      this.offlineReason = problem;
    } else if (this.offlineReason !== null) {
      this.options.log(`storage: drive ${this.label} is back online (was offline: ${this.offlineReason})`);
      this.offlineReason = null;
    }
  }

  private inspectionProblem(inspection: DriveInspection): string | null {
    if (inspection.kind !== 'formatted') return 'the drive is empty (not formatted for this set)';
    const set = inspection.format.set;
    if (set === undefined || set.id !== this.options.member.setId || set.driveIndex !== this.driveIndex) return `the drive is now ${inspection.format.driveId}, not this set's drive ${this.driveIndex + 1}`;
    return null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.checking !== null) await this.checking.catch(() => {});
    await this.client.close();
  }

  private volumeOf(volumeId: number): RemoteVolume {
    let volume = this.volumes.get(volumeId);
    if (volume === undefined) {
      volume = new RemoteVolume(volumeId, (id, count) => this.release(id, count));
      this.volumes.set(volumeId, volume);
    }
    return volume;
  }

  /** Fire and forget: a release that does not arrive is made good when the session expires on the server. */
  private release(volumeId: number, count: number): void {
    if (this.closed) return;
    this.client.call('POST', 'release', `session=${this.session}&volume=${volumeId}&count=${count}`).catch((error: Error) => {
      this.options.log(`storage: drive ${this.label}: releasing volume ${volumeId}: ${error.message}`);
    });
  }

  /** A request on the drive; no answer takes the drive offline (a health check brings it back). */
  private async request(method: string, operation: string, query = '', body?: Buffer): Promise<Buffer> {
    try {
      return await this.client.call(method, operation, query, body);
    } catch (error) {
      if (error instanceof DriveUnreachableError) {
        if (this.offlineReason === null && !this.closed) {
          this.offlineReason = error.message;
          this.options.log(`storage: drive ${this.label} is OFFLINE: ${error.message}`);
        }
        throw new DriveOfflineError(this.driveIndex, error.message);
      }
      if (error instanceof RemoteDriveError && error.status >= 500) void this.checkHealth();
      throw error;
    }
  }

  private assertUsable(): void {
    if (this.closed) throw new Error('storage is closed');
    if (this.offlineReason !== null) throw new DriveOfflineError(this.driveIndex, this.offlineReason);
  }
}
