// Checks of a bucket setting's stored JSON against the shape its kind declares, so a value the
// index hands out is the type it claims (TigerBeetle's "assert on both sides of a boundary").
// Each check throws SettingShapeError naming the path of the first field that is wrong.

export class SettingShapeError extends Error {
  constructor(readonly path: string, expected: string) {
    super(`${path === '' ? 'the value' : path} is not ${expected}`);
    this.name = 'SettingShapeError';
  }
}

export type Fields = Record<string, unknown>;

export function record(value: unknown, path: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SettingShapeError(path, 'an object');
  return value as Fields;
}

export function string(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new SettingShapeError(path, 'a string');
  return value;
}

export function boolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new SettingShapeError(path, 'a boolean');
  return value;
}

export function finiteNumber(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new SettingShapeError(path, 'a number');
  return value;
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw new SettingShapeError(path, `one of ${allowed.join(', ')}`);
  return value as T;
}

export function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new SettingShapeError(path, 'an array');
  return value;
}

/** Checks `check` on a field only when it is present. */
export function optional(fields: Fields, name: string, path: string, check: (value: unknown, path: string) => unknown): void {
  if (fields[name] !== undefined) check(fields[name], `${path}.${name}`);
}

export function tagList(value: unknown, path: string): void {
  array(value, path).forEach((tag, position) => {
    const fields = record(tag, `${path}[${position}]`);
    string(fields['key'], `${path}[${position}].key`);
    string(fields['value'], `${path}[${position}].value`);
  });
}
