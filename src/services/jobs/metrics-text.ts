// Prometheus text exposition (format 0.0.4) of the jobs' counters and gauges. Written by hand, not
// with prom-client: the values are not this process's counters but the cluster's, read from the
// jobs' shared status files at each scrape, so there is nothing to register.

export type MetricType = 'counter' | 'gauge';
/** A sample: its label set as written (`{drive="0"}`, or '' for none) and its value. */
export type MetricSample = [labels: string, value: number];

export class MetricsText {
  private readonly lines: string[] = [];

  /** A metric with one unlabelled sample, or with the samples given. Named `cairn_<job>_…`. */
  add(name: string, type: MetricType, help: string, value: number | MetricSample[]): this {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    const samples: MetricSample[] = typeof value === 'number' ? [['', value]] : value;
    for (const [labels, sample] of samples) this.lines.push(`${name}${labels} ${sample}`);
    return this;
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

/** A label value escaped as the text format requires. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
