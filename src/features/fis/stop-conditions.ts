// Stop conditions of an experiment: FIS's "none", or a Cairn metric over a threshold
// (source "cairn:metric", value "drives_offline>1" or "http_5xx_rate>0.2", or the alarm-ARN form
// "arn:aws:cairn:REGION:ACCOUNT:alarm/drives_offline>1" for clients whose model wants 20 characters or more). The runner checks them at every step and stops
// the experiment, undoing its faults, the first time one holds.
import { FisValidationError } from './errors.js';

export const METRIC_STOP_SOURCE = 'cairn:metric';
/**
 * The metrics a stop condition may watch: drives offline now; the share of the server's requests (all
 * workers) answered 5xx, and how many were, over the last REQUEST_WINDOW_MS (request-window.ts).
 */
export const STOP_METRICS = ['drives_offline', 'http_5xx_rate', 'http_5xx_count'] as const;
export type StopMetric = (typeof STOP_METRICS)[number];
const CONDITION_PATTERN = /^(?:arn:aws:cairn:[^:/]*:[^:/]*:alarm\/)?([a-z][a-z0-9_]*)\s*(>=|>)\s*(\d{1,6}(?:\.\d{1,6})?)$/;

export interface StopCondition {
  source: string;
  value?: string;
}

export interface MetricCondition {
  metric: StopMetric;
  orEqual: boolean;
  threshold: number;
}

export function parseMetricCondition(value: string): MetricCondition {
  const match = CONDITION_PATTERN.exec(value.trim());
  if (match === null) throw new FisValidationError(`Stop condition value ${value} must read METRIC>N or METRIC>=N, e.g. drives_offline>1.`);
  if (!(STOP_METRICS as readonly string[]).includes(match[1]!)) {
    throw new FisValidationError(`Stop condition metric ${match[1]} is not known; known: ${STOP_METRICS.join(', ')}.`);
  }
  return { metric: match[1] as StopMetric, orEqual: match[2] === '>=', threshold: Number(match[3]) };
}

export function parseStopCondition(value: unknown): StopCondition {
  if (typeof value !== 'object' || value === null) throw new FisValidationError('A stop condition must be an object.');
  const { source, value: conditionValue } = value as Record<string, unknown>;
  if (source === 'none') {
    if (conditionValue !== undefined) throw new FisValidationError('A stop condition with source none takes no value.');
    return { source };
  }
  if (source !== METRIC_STOP_SOURCE) throw new FisValidationError(`Stop condition source ${String(source)} is not supported; supported: none, ${METRIC_STOP_SOURCE}.`);
  if (typeof conditionValue !== 'string') throw new FisValidationError(`A ${METRIC_STOP_SOURCE} stop condition needs a value such as drives_offline>1.`);
  parseMetricCondition(conditionValue);
  return { source, value: conditionValue };
}

/** The metrics a list of conditions watches (so the runner samples request counts only when one needs them). */
export function watchedMetrics(conditions: StopCondition[]): StopMetric[] {
  return conditions.flatMap((condition) => (condition.source === METRIC_STOP_SOURCE && condition.value !== undefined ? [parseMetricCondition(condition.value).metric] : []));
}

/**
 * The first condition that holds for the metrics read now, described for the experiment's reason;
 * undefined when none does. A metric read as undefined (a rate over too few requests) holds nothing.
 */
export function heldCondition(conditions: StopCondition[], readMetric: (metric: StopMetric) => number | undefined): string | undefined {
  for (const condition of conditions) {
    if (condition.source !== METRIC_STOP_SOURCE || condition.value === undefined) continue;
    const { metric, orEqual, threshold } = parseMetricCondition(condition.value);
    const now = readMetric(metric);
    if (now === undefined) continue;
    if (orEqual ? now >= threshold : now > threshold) return `Stop condition ${metric}${orEqual ? '>=' : '>'}${threshold} held (${metric} was ${now}).`;
  }
  return undefined;
}
