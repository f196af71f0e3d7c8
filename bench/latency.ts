// Per-request latencies of one phase, kept as a growable Float64Array (milliseconds), and their
// summary as nearest-rank percentiles.
const INITIAL_CAPACITY = 16_384;

export interface LatencySummaryMs {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export class LatencySamples {
  private samplesMs = new Float64Array(INITIAL_CAPACITY);
  private count = 0;
  private sorted = false;

  get length(): number {
    return this.count;
  }

  add(latencyMs: number): void {
    if (this.count === this.samplesMs.length) {
      const grown = new Float64Array(this.samplesMs.length * 2);
      grown.set(this.samplesMs);
      this.samplesMs = grown;
    }
    this.samplesMs[this.count] = latencyMs;
    this.count += 1;
    this.sorted = false;
  }

  sort(): void {
    if (this.sorted) return;
    this.samplesMs.subarray(0, this.count).sort();
    this.sorted = true;
  }

  /** Nearest rank: the smallest sample with at least `fraction` of the samples at or below it. */
  percentile(fraction: number): number {
    if (this.count === 0) return Number.NaN;
    this.sort();
    const rank = Math.min(this.count, Math.max(1, Math.ceil(fraction * this.count)));
    return this.samplesMs[rank - 1]!;
  }

  summary(): LatencySummaryMs {
    let totalMs = 0;
    for (let index = 0; index < this.count; index += 1) totalMs += this.samplesMs[index]!;
    return {
      p50: this.percentile(0.5),
      p99: this.percentile(0.99),
      p999: this.percentile(0.999),
      max: this.percentile(1),
      mean: this.count === 0 ? Number.NaN : totalMs / this.count,
    };
  }
}
