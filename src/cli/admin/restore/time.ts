// The TIME of `cairn admin restore --to TIME`: an ISO 8601 instant with its zone, or a duration
// back from now ("-15m", "now-2h30m"). Cairn keeps LastModified in milliseconds, so TIME is taken to
// the millisecond (finer digits are dropped: a version written at millisecond m was current at TIME
// exactly when m ≤ TIME rounded down).
import { UsageError } from '../command.js';

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;
const RELATIVE = /^(?:now)?-((?:\d+(?:ms|s|m|h|d|w))+)$/i;
const RELATIVE_PART = /(\d+)(ms|s|m|h|d|w)/gi;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** Before S3 existed: a TIME this early is a typo, not a restore point. */
const EARLIEST_TIME_MS = Date.UTC(2000, 0, 1);

export const TIME_FORMS_HELP = `TIME is an instant in ISO 8601 with its zone: 2026-11-21T10:00:00Z, 2026-11-21T10:00:00.250+01:00;
or a duration back from now: -15m, now-2h, now-1d12h (units ms, s, m, h, d, w). Write a leading
dash as --to=-15m (or use the now- form), since "--to -15m" reads like an option.
It is resolved to the millisecond (the precision of LastModified in Cairn's listings) against this
machine's clock, and may not lie in the future.`;

function parseIsoInstant(match: RegExpExecArray, text: string): number {
  const [, year, month, day, hour, minute, second, fraction, zulu, sign, offsetHours, offsetMinutes] = match;
  if (zulu === undefined && sign === undefined) {
    throw new UsageError(`--to ${text}: give the zone (Z or ±HH:MM), e.g. ${text}Z — a time without one is ambiguous`);
  }
  const fields = { month: Number(month), day: Number(day), hour: Number(hour), minute: Number(minute), second: Number(second ?? '0') };
  const milliseconds = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  const localMs = Date.UTC(Number(year), fields.month - 1, fields.day, fields.hour, fields.minute, fields.second, milliseconds);
  const check = new Date(localMs);
  // Date.UTC rolls 2026-02-30 over to March 2nd; a date that does not round-trip does not exist.
  const exists = fields.month >= 1 && fields.month <= 12 && check.getUTCDate() === fields.day && fields.hour <= 23 && fields.minute <= 59 && fields.second <= 59;
  const offsetValid = sign === undefined || (Number(offsetHours) <= 23 && Number(offsetMinutes) <= 59);
  if (!exists || !offsetValid) throw new UsageError(`--to ${text}: no such date or time`);
  const offsetMs = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  return localMs - offsetMs;
}

function parseRelative(durationText: string): number {
  let totalMs = 0;
  for (const [, amount, unit] of durationText.matchAll(RELATIVE_PART)) totalMs += Number(amount) * UNIT_MS[unit!.toLowerCase()]!;
  return totalMs;
}

/** Milliseconds since the epoch for TIME; UsageError when unparsable, in the future or absurdly early. */
export function parseRestoreTime(text: string, nowMs: number): number {
  const trimmed = text.trim();
  const iso = ISO_INSTANT.exec(trimmed);
  const relative = RELATIVE.exec(trimmed);
  let timeMs: number;
  if (iso !== null) timeMs = parseIsoInstant(iso, trimmed);
  else if (relative !== null) timeMs = nowMs - parseRelative(relative[1]!);
  else throw new UsageError(`--to ${text}: not a time; expected ISO 8601 with a zone (2026-11-21T10:00:00Z) or a duration back from now (now-15m, --to=-2h)`);
  if (!Number.isFinite(timeMs)) throw new UsageError(`--to ${text}: not a time`);
  if (timeMs > nowMs) {
    throw new UsageError(`--to ${text}: ${new Date(timeMs).toISOString()} is in the future (now is ${new Date(nowMs).toISOString()}); a restore goes back in time`);
  }
  if (timeMs < EARLIEST_TIME_MS) throw new UsageError(`--to ${text}: ${new Date(timeMs).toISOString()} is before ${new Date(EARLIEST_TIME_MS).toISOString()}; is it a typo?`);
  return timeMs;
}
