// Injected faults of one drive (docs/fault-injection.md), consulted by DriveStore at its I/O
// boundary: before each record read, append, fdatasync and health check. 'fail' makes every I/O
// fail with EIO (so the health check takes the drive offline, as a dead disk would); 'slow' adds
// latency; 'read-only' makes appends and fdatasyncs fail with EROFS while reads work. ('corrupt'
// acts once on the files and leaves no state here.)

import { setTimeout as delay } from 'node:timers/promises';

export type StateFaultAction = 'fail' | 'slow' | 'read-only';

export interface DriveFault {
  id: string;
  action: StateFaultAction;
  /** 'slow': added before each I/O. */
  latencyMs?: number;
  expiresAtMs: number;
}

export type DriveIoKind = 'read' | 'write' | 'sync';

function injectedError(code: 'EIO' | 'EROFS', operation: string): NodeJS.ErrnoException {
  const message = code === 'EIO' ? 'i/o error' : 'read-only file system';
  const error: NodeJS.ErrnoException = new Error(`${code}: ${message} (injected fault), ${operation}`);
  error.code = code;
  error.errno = code === 'EIO' ? -5 : -30;
  error.syscall = operation;
  return error;
}

export class DriveFaultState {
  private faults: readonly DriveFault[] = [];

  /** Replaces the drive's faults (the fault watcher's view of the shared fault directory). */
  set(faults: readonly DriveFault[]): void {
    this.faults = faults;
  }

  private active(nowMs: number = Date.now()): DriveFault[] {
    return this.faults.filter((fault) => fault.expiresAtMs > nowMs);
  }

  /** Any fault set (expired or not): without one, callers skip beforeIo and its await entirely. */
  get present(): boolean {
    return this.faults.length > 0;
  }

  get failing(): boolean {
    return this.active().some((fault) => fault.action === 'fail');
  }

  get hasFaults(): boolean {
    return this.active().length > 0;
  }

  /** Waits for injected latency, then throws the injected error for this kind of I/O, if any. */
  async beforeIo(kind: DriveIoKind): Promise<void> {
    if (this.faults.length === 0) return;
    const faults = this.active();
    const latencyMs = faults.reduce((total, fault) => total + (fault.action === 'slow' ? fault.latencyMs ?? 0 : 0), 0);
    if (latencyMs > 0) await delay(latencyMs);
    if (faults.some((fault) => fault.action === 'fail')) throw injectedError('EIO', kind);
    if (kind !== 'read' && faults.some((fault) => fault.action === 'read-only')) throw injectedError('EROFS', kind);
  }
}
