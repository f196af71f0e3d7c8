// One metric in Prometheus text exposition (format 0.0.4): HELP, TYPE and its samples.

export type Sample = [labels: string, value: number];

export function metricText(name: string, type: 'counter' | 'gauge', help: string, samples: Sample[]): string {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples.map(([labels, value]) => `${name}${labels} ${value}`)].join('\n') + '\n';
}
