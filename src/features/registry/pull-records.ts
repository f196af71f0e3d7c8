// Each manifest's last pull (a manifest GET at /v2/ or a BatchGetImage), which lifecycle rules of
// countType sinceImagePulled judge. A pull is one index write, so a process records a manifest's pull
// at most once per resolution: a thousandth of the lifecycle day, at most a minute (ECR itself
// records pull times coarsely); the index keeps the latest of every process's records. The pull's
// answer does not wait for the record (a failed record is logged: the pull itself succeeded).
import type { Layers } from '../../services/objects.js';

/** The coarsest resolution of a recorded pull time. */
const PULL_RESOLUTION_MS_MAX = 60_000;
/** Manifests remembered per process; the map starts over when full (a pull is then recorded again). */
const REMEMBERED_PULLS_MAX = 10_000;

export class PullRecorder {
  private readonly recordedAtMs = new Map<string, number>();
  private readonly resolutionMs: number;

  constructor(private readonly layers: Layers, lifecycleDayMs: number, private readonly log: (line: string) => void) {
    this.resolutionMs = Math.min(PULL_RESOLUTION_MS_MAX, lifecycleDayMs / 1000);
  }

  record(repository: string, digest: string, nowMs: number): void {
    const key = `${repository}@${digest}`;
    const lastMs = this.recordedAtMs.get(key);
    if (lastMs !== undefined && nowMs - lastMs < this.resolutionMs) return;
    if (this.recordedAtMs.size >= REMEMBERED_PULLS_MAX) this.recordedAtMs.clear();
    this.recordedAtMs.set(key, nowMs);
    void this.layers.index.recordRegistryPull(repository, digest, nowMs).catch((error: unknown) => this.log(`registry: recording a pull of ${repository}@${digest}: ${String(error)}`));
  }
}
