// FIS action durations: ISO 8601 durations of hours, minutes and seconds (PT30S, PT5M, PT1H30M,
// PT0.5S), at most twelve hours as FIS allows.
import { FisValidationError } from './errors.js';

export const ACTION_DURATION_MS_MAX = 12 * 60 * 60 * 1000;
const DURATION_PATTERN = /^PT(?:(\d{1,2})H)?(?:(\d{1,4})M)?(?:(\d{1,5}(?:\.\d{1,3})?)S)?$/;

export function parseIsoDurationMs(value: string, what: string): number {
  const match = DURATION_PATTERN.exec(value);
  if (match === null || value === 'PT') throw new FisValidationError(`${what}: ${value} is not an ISO 8601 duration such as PT30S, PT5M or PT1H.`);
  const durationMs = Math.round(((Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)) * 60 + Number(match[3] ?? 0)) * 1000);
  if (durationMs <= 0 || durationMs > ACTION_DURATION_MS_MAX) throw new FisValidationError(`${what}: ${value} must be more than zero and at most PT12H.`);
  return durationMs;
}
