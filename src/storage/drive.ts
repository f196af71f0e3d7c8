// A drive: a directory holding format.json and volumes/NNNNNNNNNN.vol (append-only volume files).

import { randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  DRIVE_FORMAT_FILE_SIZE_BYTES_MAX,
  DRIVE_FORMAT_NAME,
  DRIVE_FORMAT_VERSION,
  DRIVE_FORMAT_VERSION_SET,
  SET_DRIVES_MAX,
  SET_DRIVES_MIN,
  VOLUME_ID_MAX,
} from './constants.js';
import { DriveFormatError } from './errors.js';

/** Which erasure set a drive belongs to, and its place in it (format version 2). */
export interface DriveSetMembership {
  id: string;
  driveIndex: number;
  driveCount: number;
}

export interface DriveFormat {
  format: typeof DRIVE_FORMAT_NAME;
  formatVersion: number;
  driveId: string;
  createdAt: string;
  /** Present exactly on drives of an erasure set (formatVersion 2). */
  set?: DriveSetMembership;
}

/** What a drive path holds, found without changing anything. */
export type DriveInspection =
  | { kind: 'empty'; exists: boolean }
  | { kind: 'formatted'; format: DriveFormat };

const FORMAT_FILE_NAME = 'format.json';
const FORMAT_TEMP_PREFIX = '.format.json.tmp-';
const VOLUMES_DIR_NAME = 'volumes';
const VOLUME_FILE_PATTERN = /^(\d{10})\.vol$/;
/**
 * On a drive formatted to replace a lost one: its shards are missing until the heal job has rebuilt
 * them, and the old placements name volume ids this new drive reuses for other records, so nothing
 * may be repaired in place on it until then (see erasure/shard-audit.ts).
 */
const HEAL_PENDING_FILE_NAME = 'heal-pending';
/**
 * A fresh ext4/xfs mount point holds lost+found; it does not make the drive "not empty". Nor does a
 * heal-pending marker (written before format.json: a crash in between leaves an "empty" drive).
 */
const IGNORED_ENTRY_NAMES = new Set(['lost+found', HEAL_PENDING_FILE_NAME]);

export function volumesDirPath(drivePath: string): string {
  return path.join(drivePath, VOLUMES_DIR_NAME);
}

export function volumeFileName(volumeId: number): string {
  return `${String(volumeId).padStart(10, '0')}.vol`;
}

/** Path of a volume file, for tooling and fault injection (keys never become paths; volume ids do). */
export function volumePath(drivePath: string, volumeId: number): string {
  return path.join(volumesDirPath(drivePath), volumeFileName(volumeId));
}

/**
 * Looks at a drive path and reports whether it is empty (or missing) or a formatted Cairn drive.
 * Refuses (DriveFormatError), without touching anything, a path that is a file, a non-empty
 * directory that is not a Cairn drive, and a drive whose format is newer than `formatVersionMax`.
 */
export async function inspectDrive(drivePath: string, formatVersionMax: number): Promise<DriveInspection> {
  const stat = await fs.stat(drivePath).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (stat === null) return { kind: 'empty', exists: false };
  if (!stat.isDirectory()) throw new DriveFormatError(drivePath, 'the path is a file, not a directory');
  const entries = await fs.readdir(drivePath);
  if (entries.includes(FORMAT_FILE_NAME)) return { kind: 'formatted', format: await readFormat(drivePath, formatVersionMax) };
  const strangers = entries.filter((name) => !IGNORED_ENTRY_NAMES.has(name) && !name.startsWith(FORMAT_TEMP_PREFIX));
  if (strangers.length > 0) {
    throw new DriveFormatError(
      drivePath,
      `not a Cairn drive: the directory is not empty (${strangers.length} entries) and has no ${FORMAT_FILE_NAME}`,
    );
  }
  return { kind: 'empty', exists: true };
}

/**
 * Opens (creating if the directory is missing or empty) the standalone drive at drivePath and
 * returns its format. Refuses, without touching anything, a path that is a file, a non-empty
 * directory that is not a Cairn drive, a drive written by a newer format version, and a drive
 * that belongs to an erasure set.
 */
export async function openDrive(drivePath: string): Promise<DriveFormat> {
  const inspection = await inspectDrive(drivePath, DRIVE_FORMAT_VERSION);
  const format = inspection.kind === 'formatted' ? inspection.format : await initialiseDrive(drivePath, inspection.exists, undefined);
  await ensureVolumesDirectory(drivePath);
  return format;
}

/**
 * Creates format.json on an empty (or missing) drive; `set` makes it a member of an erasure set.
 * A drive `replacing` a lost one is marked heal-pending first, so it is never seen without the mark.
 */
export async function initialiseDrive(drivePath: string, exists: boolean, set: DriveSetMembership | undefined, replacing = false): Promise<DriveFormat> {
  if (!exists) {
    await fs.mkdir(drivePath, { recursive: true });
    await fsyncDirectory(path.dirname(path.resolve(drivePath)));
  }
  if (replacing) {
    await fs.writeFile(path.join(drivePath, HEAL_PENDING_FILE_NAME), `${JSON.stringify({ since: new Date().toISOString() })}\n`, { mode: 0o644 });
    await fsyncDirectory(drivePath);
  }
  return createFormat(drivePath, set);
}

export async function isHealPending(drivePath: string): Promise<boolean> {
  try {
    await fs.access(path.join(drivePath, HEAL_PENDING_FILE_NAME));
    return true;
  } catch {
    return false;
  }
}

/** The heal job rebuilt every shard that belongs on the drive: it may be repaired in place again. */
export async function clearHealPending(drivePath: string): Promise<void> {
  await fs.rm(path.join(drivePath, HEAL_PENDING_FILE_NAME), { force: true });
  await fsyncDirectory(drivePath);
}

/** volumes/ exists and its name is durable. */
export async function ensureVolumesDirectory(drivePath: string): Promise<void> {
  await fs.mkdir(volumesDirPath(drivePath), { recursive: true });
  await fsyncDirectory(drivePath);
}

/** Re-reads format.json (health checks); throws when it is gone, unreadable or not a drive. */
export async function readDriveFormat(drivePath: string): Promise<DriveFormat> {
  return readFormat(drivePath, DRIVE_FORMAT_VERSION_SET);
}

async function readFormat(drivePath: string, formatVersionMax: number): Promise<DriveFormat> {
  const formatPath = path.join(drivePath, FORMAT_FILE_NAME);
  const stat = await fs.stat(formatPath);
  if (!stat.isFile() || stat.size > DRIVE_FORMAT_FILE_SIZE_BYTES_MAX) {
    throw new DriveFormatError(drivePath, `not a Cairn drive: ${FORMAT_FILE_NAME} is not a small regular file`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(formatPath, 'utf8'));
  } catch {
    throw new DriveFormatError(drivePath, `not a Cairn drive: ${FORMAT_FILE_NAME} is not valid JSON`);
  }
  const format = parsed as Partial<DriveFormat> | null;
  if (typeof format !== 'object' || format === null || format.format !== DRIVE_FORMAT_NAME) {
    throw new DriveFormatError(drivePath, `not a Cairn drive: ${FORMAT_FILE_NAME} does not say "format": "${DRIVE_FORMAT_NAME}"`);
  }
  const version = format.formatVersion;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw new DriveFormatError(drivePath, `${FORMAT_FILE_NAME} has an invalid formatVersion ${JSON.stringify(version)}`);
  }
  const setProblem = version === DRIVE_FORMAT_VERSION_SET ? membershipProblem(format.set) : null;
  if (version === DRIVE_FORMAT_VERSION_SET && version > formatVersionMax && setProblem === null) {
    const { id, driveIndex, driveCount } = format.set!;
    throw new DriveFormatError(
      drivePath,
      `the drive belongs to erasure set ${id} (drive ${driveIndex + 1} of ${driveCount}); start Cairn with all ${driveCount} drives of the set`,
    );
  }
  if (version > formatVersionMax || version > DRIVE_FORMAT_VERSION_SET) {
    throw new DriveFormatError(
      drivePath,
      `the drive has formatVersion ${version}, newer than this Cairn supports (${formatVersionMax}); upgrade Cairn`,
    );
  }
  if (typeof format.driveId !== 'string' || format.driveId.length === 0) {
    throw new DriveFormatError(drivePath, `${FORMAT_FILE_NAME} has no driveId`);
  }
  if (setProblem !== null) throw new DriveFormatError(drivePath, `${FORMAT_FILE_NAME} has an invalid "set": ${setProblem}`);
  if (version === DRIVE_FORMAT_VERSION && format.set !== undefined) {
    throw new DriveFormatError(drivePath, `${FORMAT_FILE_NAME} of formatVersion ${version} must not have a "set"`);
  }
  return format as DriveFormat;
}

function membershipProblem(set: unknown): string | null {
  if (typeof set !== 'object' || set === null) return 'missing';
  const { id, driveIndex, driveCount } = set as Partial<DriveSetMembership>;
  if (typeof id !== 'string' || id.length === 0) return 'no set id';
  if (typeof driveCount !== 'number' || !Number.isSafeInteger(driveCount) || driveCount < SET_DRIVES_MIN || driveCount > SET_DRIVES_MAX) {
    return `driveCount ${JSON.stringify(driveCount)} is not ${SET_DRIVES_MIN}…${SET_DRIVES_MAX}`;
  }
  if (typeof driveIndex !== 'number' || !Number.isSafeInteger(driveIndex) || driveIndex < 0 || driveIndex >= driveCount) {
    return `driveIndex ${JSON.stringify(driveIndex)} is not 0…${driveCount - 1}`;
  }
  return null;
}

/**
 * Writes format.json atomically: temp file, fsync, then publish it under its real name, then fsync
 * the directory. Publishing uses link(), which fails if format.json already exists, so two
 * processes initialising the same empty drive agree on one driveId (the loser reads the winner's).
 */
async function createFormat(drivePath: string, set: DriveSetMembership | undefined): Promise<DriveFormat> {
  // Temp files of other processes are left alone, even ones that look stale: one may be about to be
  // published right now. A crash leftover is a few hundred bytes, ignored by every open.
  const format: DriveFormat = {
    format: DRIVE_FORMAT_NAME,
    formatVersion: set === undefined ? DRIVE_FORMAT_VERSION : DRIVE_FORMAT_VERSION_SET,
    driveId: randomUUID(),
    createdAt: new Date().toISOString(),
    ...(set === undefined ? {} : { set: { ...set } }),
  };
  const tempPath = path.join(drivePath, `${FORMAT_TEMP_PREFIX}${process.pid}-${randomUUID()}`);
  const formatPath = path.join(drivePath, FORMAT_FILE_NAME);
  const handle = await fs.open(tempPath, 'wx', 0o644);
  try {
    await handle.writeFile(`${JSON.stringify(format, null, 2)}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.link(tempPath, formatPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      await fs.rm(tempPath, { force: true });
      return readFormat(drivePath, format.formatVersion);
    }
    // Filesystems without hard links: fall back to rename (atomic, but last writer wins).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    await fs.rename(tempPath, formatPath);
  }
  await fs.rm(tempPath, { force: true });
  await fsyncDirectory(drivePath);
  return format;
}

/** Makes a directory's entries (created/renamed files) durable. */
export async function fsyncDirectory(dirPath: string): Promise<void> {
  const handle = await fs.open(dirPath, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Volume ids present on the drive, ascending. Files that are not volumes are ignored. */
export async function listVolumeIds(drivePath: string): Promise<number[]> {
  const names = await fs.readdir(volumesDirPath(drivePath));
  const ids: number[] = [];
  for (const name of names) {
    const match = VOLUME_FILE_PATTERN.exec(name);
    if (match === null) continue;
    const id = Number(match[1]);
    if (id >= 1 && id <= VOLUME_ID_MAX) ids.push(id);
  }
  return ids.sort((a, b) => a - b);
}
