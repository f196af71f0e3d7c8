// The API faults one worker applies (docs/fault-injection.md): the fault watcher hands it the active
// faults of faults/api/, and the S3 front end asks, for each routed request, whether an injected
// error answers it instead — for each fault naming the request's operation, with that fault's
// percentage as the chance. Without a fault the question costs one empty-list check.
import type { ApiFaultAction, StoredApiFault } from './fault-store.js';

export class ApiFaultState {
  private faults: readonly StoredApiFault[] = [];

  /** Replaces the faults (the fault watcher's view of the shared directory). */
  set(faults: readonly StoredApiFault[]): void {
    this.faults = faults;
  }

  /** The injected error answering a request for this S3 operation, or undefined to serve it. */
  injectedFor(operation: string, nowMs: number = Date.now(), random: () => number = Math.random): ApiFaultAction | undefined {
    if (this.faults.length === 0) return undefined;
    for (const fault of this.faults) {
      if (fault.expiresAtMs <= nowMs || !fault.operations.includes(operation)) continue;
      if (random() * 100 < fault.percentage) return fault.action;
    }
    return undefined;
  }
}
