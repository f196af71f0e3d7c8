// What a restore tells its user: a start line and per-key errors on stderr, a dry run's plan and the
// summary on stdout — as text, or with --json as JSON lines (one per planned action, the summary last).
import type { AdminIo } from '../command.js';
import { formatBytes, type ProgressLine } from '../progress.js';
import type { RestoreAction, RestoreCounts, RestoreEvents, RestorePlan } from './run.js';

/** Per-key errors printed in full; beyond this many only the count is reported. */
const FAILED_KEYS_PRINTED_MAX = 20;

export interface RestoreSummary {
  bucket: string;
  target: string;
  prefix: string;
  /** TIME, resolved: ISO 8601 with milliseconds. */
  time: string;
  dryRun: boolean;
  /** False when the restore stopped early (the server became unreachable, the listing failed). */
  completed: boolean;
  keysScanned: number;
  restored: number;
  /** Delete markers written (or, in a target without versioning, objects deleted). */
  deleted: number;
  unchanged: number;
  errors: number;
  bytesCopied: number;
  elapsedMs: number;
  /** A TIME that undoes this restore (the instant before it began); absent for a dry run. */
  undoTime?: string;
}

export class RestoreReport implements RestoreEvents {
  private progress: ProgressLine | undefined;
  private failuresPrinted = 0;

  constructor(
    private readonly plan: RestorePlan,
    private readonly io: AdminIo,
    private readonly json: boolean,
    private readonly targetVersioned: boolean,
    private readonly startedMs: number,
  ) {}

  attachProgress(progress: ProgressLine): void {
    this.progress = progress;
  }

  private scope(): string {
    const prefix = this.plan.prefix === '' ? '' : ` (keys under '${this.plan.prefix}')`;
    const into = this.plan.targetBucket === this.plan.sourceBucket ? '' : ` into '${this.plan.targetBucket}'`;
    return `'${this.plan.sourceBucket}'${prefix}${into}`;
  }

  begin(): void {
    const mode = this.plan.dryRun ? 'dry run (nothing is written): restore' : 'restoring';
    this.io.stderr.write(`${mode} ${this.scope()} to its state at ${new Date(this.plan.timeMs).toISOString()}\n`);
  }

  progressText(counts: RestoreCounts): string {
    const verb = this.plan.dryRun ? 'to restore' : 'restored';
    return `${counts.keysScanned} keys scanned · ${counts.restored} ${verb} · ${counts.deleted} ${this.plan.dryRun ? 'to delete' : 'deleted'} · `
      + `${counts.unchanged} unchanged · ${counts.errors} errors · ${formatBytes(counts.bytesCopied)}`;
  }

  planned(action: RestoreAction): void {
    this.progress?.clear();
    if (this.json) {
      const detail = action.kind === 'restore'
        ? { versionId: action.version.versionId, lastModified: new Date(action.version.lastModifiedMs).toISOString(), sizeBytes: action.version.sizeBytes }
        : {};
      this.io.stdout.write(`${JSON.stringify({ action: action.kind, key: action.key, ...detail })}\n`);
    } else if (action.kind === 'restore') {
      const version = action.version;
      this.io.stdout.write(`would restore  ${action.key}  (version ${version.versionId} of ${new Date(version.lastModifiedMs).toISOString()}, ${formatBytes(version.sizeBytes)})\n`);
    } else {
      this.io.stdout.write(`would delete   ${action.key}  (absent at that time)\n`);
    }
  }

  failed(key: string, message: string): void {
    this.failuresPrinted += 1;
    if (this.failuresPrinted > FAILED_KEYS_PRINTED_MAX) return;
    this.progress?.clear();
    this.io.stderr.write(`error: ${key}: ${message}\n`);
    if (this.failuresPrinted === FAILED_KEYS_PRINTED_MAX) this.io.stderr.write(`(further errors are counted, not shown)\n`);
  }

  summary(counts: RestoreCounts, endedMs: number, completed: boolean): void {
    const summary: RestoreSummary = {
      bucket: this.plan.sourceBucket,
      target: this.plan.targetBucket,
      prefix: this.plan.prefix,
      time: new Date(this.plan.timeMs).toISOString(),
      dryRun: this.plan.dryRun,
      completed,
      ...counts,
      elapsedMs: endedMs - this.startedMs,
      undoTime: this.plan.dryRun ? undefined : new Date(this.startedMs - 1).toISOString(),
    };
    this.io.stdout.write(this.json ? `${JSON.stringify(summary)}\n` : this.summaryText(summary));
  }

  private summaryText(summary: RestoreSummary): string {
    const dry = summary.dryRun;
    const row = (label: string, value: string | number) => `  ${label.padEnd(24)}${value}`;
    const outcome = dry ? 'dry run, nothing written' : summary.completed ? 'done' : 'STOPPED before the end';
    const deletedLabel = this.targetVersioned ? (dry ? 'delete markers to write' : 'delete markers written') : (dry ? 'to delete' : 'deleted');
    const lines = [
      `restore of ${this.scope()} to ${summary.time}: ${outcome} in ${(summary.elapsedMs / 1000).toFixed(1)} s`,
      row('keys scanned', summary.keysScanned),
      row(dry ? 'to restore' : 'restored', `${summary.restored} (${formatBytes(summary.bytesCopied)})`),
      row(deletedLabel, summary.deleted),
      row('unchanged', summary.unchanged),
      row('errors', summary.errors),
    ];
    if (summary.undoTime !== undefined && summary.restored + summary.deleted > 0 && this.targetVersioned) {
      // An undo restores the bucket this restore wrote to, in place, to the instant before it began.
      const prefix = this.plan.prefix === '' ? '' : ` --prefix '${this.plan.prefix}'`;
      lines.push(`to undo: cairn admin restore ${this.plan.targetBucket}${prefix} --to ${summary.undoTime}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
