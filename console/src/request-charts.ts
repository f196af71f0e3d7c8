// Charts of the request metrics (cairn_http_*): request rate, error rate (4xx and 5xx), latency p50/p99
// estimated from the duration histogram, and bytes each way, each from the change between two polls
// of /_cairn/metrics. The figures are those of the worker that answered the scrape.
import type { Sample } from './metrics.js';

export interface RequestFigures {
  atMs: number;
  requests: number;
  errors: number;
  requestBytes: number;
  responseBytes: number;
  /** Cumulative count per bucket upper bound (seconds; Infinity for +Inf), summed over surfaces. */
  buckets: Map<number, number>;
}

export const REQUEST_CHARTS = ['requests/s', 'errors/s (4xx+5xx)', 'latency p50 (ms)', 'latency p99 (ms)', 'received KiB/s', 'sent KiB/s'] as const;
export type RequestChart = typeof REQUEST_CHARTS[number];

function total(samples: Sample[], name: string, keep: (sample: Sample) => boolean = () => true): number {
  return samples.filter((sample) => sample.name === name && keep(sample)).reduce((sum, sample) => sum + sample.value, 0);
}

export function requestFigures(samples: Sample[], atMs: number): RequestFigures {
  const buckets = new Map<number, number>();
  for (const sample of samples) {
    if (sample.name !== 'cairn_http_request_duration_seconds_bucket') continue;
    const bound = sample.labels['le'] === '+Inf' ? Infinity : Number(sample.labels['le']);
    buckets.set(bound, (buckets.get(bound) ?? 0) + sample.value);
  }
  return {
    atMs, buckets,
    requests: total(samples, 'cairn_http_requests_total'),
    errors: total(samples, 'cairn_http_requests_total', (sample) => sample.labels['status_class'] === '4xx' || sample.labels['status_class'] === '5xx'),
    requestBytes: total(samples, 'cairn_http_request_bytes_total'),
    responseBytes: total(samples, 'cairn_http_response_bytes_total'),
  };
}

/** The q-quantile (seconds) of the requests between two histograms, interpolated inside its bucket. */
export function estimateQuantile(before: Map<number, number>, after: Map<number, number>, q: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((bound) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0));
  const count = counts[counts.length - 1] ?? 0;
  if (count <= 0) return 0;
  const rank = q * count;
  for (let index = 0; index < bounds.length; index += 1) {
    if (counts[index]! < rank) continue;
    const lower = index === 0 ? 0 : bounds[index - 1]!;
    const upper = bounds[index]!;
    // Past the last finite bound nothing is known but the bound itself.
    if (upper === Infinity) return lower;
    const below = index === 0 ? 0 : counts[index - 1]!;
    const inBucket = counts[index]! - below;
    return inBucket === 0 ? upper : lower + ((upper - lower) * (rank - below)) / inBucket;
  }
  return 0;
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/** Each chart's point for the interval between two polls. */
export function requestPoints(before: RequestFigures, after: RequestFigures): Record<RequestChart, number> {
  const seconds = Math.max(0.001, (after.atMs - before.atMs) / 1000);
  const rate = (from: number, to: number) => round(Math.max(0, to - from) / seconds);
  return {
    'requests/s': rate(before.requests, after.requests),
    'errors/s (4xx+5xx)': rate(before.errors, after.errors),
    'latency p50 (ms)': round(estimateQuantile(before.buckets, after.buckets, 0.5) * 1000),
    'latency p99 (ms)': round(estimateQuantile(before.buckets, after.buckets, 0.99) * 1000),
    'received KiB/s': round(rate(before.requestBytes, after.requestBytes) / 1024),
    'sent KiB/s': round(rate(before.responseBytes, after.responseBytes) / 1024),
  };
}
