// AWS Backup's schedule expressions: cron(MINUTES HOURS DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR) in UTC,
// each field `*`, `?` (day fields), a number, a range a-b, a list a,b or a step x/n. Parsed once into
// per-field sets; `firesBetween` walks back minute by minute over a bounded span.
import { invalidParameter } from './errors.js';

const FIELDS = [
  { name: 'minutes', min: 0, max: 59 }, { name: 'hours', min: 0, max: 23 }, { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 }, { name: 'day-of-week', min: 1, max: 7 }, { name: 'year', min: 1970, max: 2199 },
] as const;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MINUTE_MS = 60_000;

/** Each field's allowed values; undefined: any (`*` or `?`). */
export type CronSchedule = Array<Set<number> | undefined>;

function valueOf(text: string, index: number): number {
  const upper = text.toUpperCase();
  if (index === 3 && MONTHS.includes(upper)) return MONTHS.indexOf(upper) + 1;
  if (index === 4 && WEEKDAYS.includes(upper)) return WEEKDAYS.indexOf(upper) + 1;
  if (!/^\d+$/.test(text)) return NaN;
  return Number(text);
}

function parseField(text: string, index: number): Set<number> | undefined {
  const { min, max, name } = FIELDS[index]!;
  if (text === '*' || (text === '?' && (index === 2 || index === 4))) return undefined;
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    let [from, to] = range === '*' ? [min, max] : range.includes('-') ? range.split('-').map((piece) => valueOf(piece, index)) : [valueOf(range, index), NaN];
    if (Number.isNaN(to!)) to = stepText === undefined ? from : max;
    if (!Number.isInteger(step) || step < 1 || !Number.isInteger(from) || !Number.isInteger(to) || from! < min || to! > max || from! > to!) {
      throw invalidParameter(`ScheduleExpression: the ${name} field "${text}" is not valid.`);
    }
    for (let value = from!; value <= to!; value += step) values.add(value);
  }
  return values;
}

export function parseScheduleExpression(expression: string): CronSchedule {
  const match = /^cron\((.*)\)$/.exec(expression.trim());
  const fields = match?.[1]!.trim().split(/\s+/);
  if (fields === undefined || fields.length !== FIELDS.length) throw invalidParameter(`ScheduleExpression ${expression} is not a valid cron expression: cron(minutes hours day-of-month month day-of-week year).`);
  // AWS: one of day-of-month and day-of-week must be `?`.
  if ((fields[2] === '?') === (fields[4] === '?')) throw invalidParameter(`ScheduleExpression ${expression}: exactly one of day-of-month and day-of-week must be "?".`);
  return fields.map(parseField);
}

function fires(schedule: CronSchedule, timeMs: number): boolean {
  const date = new Date(timeMs);
  const values = [date.getUTCMinutes(), date.getUTCHours(), date.getUTCDate(), date.getUTCMonth() + 1, date.getUTCDay() + 1, date.getUTCFullYear()];
  return schedule.every((allowed, index) => allowed === undefined || allowed.has(values[index]!));
}

/** The minutes in (afterMs, atMs] the schedule fires at, oldest first: at most the latest `countMax`, looking back at most `lookbackMs`. */
export function firesBetween(schedule: CronSchedule, afterMs: number, atMs: number, lookbackMs: number, countMax: number): number[] {
  const floor = Math.max(afterMs, atMs - lookbackMs);
  const found: number[] = [];
  for (let minute = Math.floor(atMs / MINUTE_MS) * MINUTE_MS; minute > floor && found.length < countMax; minute -= MINUTE_MS) {
    if (fires(schedule, minute)) found.push(minute);
  }
  return found.reverse();
}

/** The latest minute in (afterMs, atMs] the schedule fires at, looking back at most `lookbackMs`. */
export function latestFireAtOrBefore(schedule: CronSchedule, afterMs: number, atMs: number, lookbackMs: number): number | undefined {
  return firesBetween(schedule, afterMs, atMs, lookbackMs, 1)[0];
}
