// Forming and reopening an erasure set from the drive paths on the command line. Every drive is
// inspected first, read-only; if anything is wrong — a path that is a file, a drive of another set
// or of a newer format, the same drive twice — the set is refused with every problem named and no
// drive touched. Only then are empty drives formatted (a new set, or replacements for lost drives).

import { randomUUID } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DRIVE_FORMAT_VERSION, SET_DRIVES_MAX, SET_DRIVES_MIN } from '../constants.js';
import type { DriveFormat, DriveInspection } from '../drive.js';
import { DriveFormatError, ErasureSetError } from '../errors.js';
import { isRemoteDrive } from '../remote/remote-drive.js';
import { layoutFor } from './geometry.js';
import { memberAccess } from './member-access.js';

export interface SetMember {
  path: string;
  /** The drive's format; null while the drive cannot be used (then offlineReason says why). */
  format: DriveFormat | null;
  offlineReason?: string;
}

export interface PreparedSet {
  id: string;
  /** Indexed by driveIndex. */
  members: SetMember[];
}

/**
 * 'form': the one process that prepares the drives (standalone server or cluster primary) — refuses
 * a bad set, formats empty drives. 'join': a cluster worker after the primary formed the set — never
 * writes; a drive it cannot use is simply offline.
 */
export type SetOpenMode = 'form' | 'join';

interface Inspected {
  path: string;
  inspection: DriveInspection | null;
  problem?: string;
}

export async function prepareSet(drivePaths: readonly string[], mode: SetOpenMode, log: (line: string) => void, clusterSecret?: string): Promise<PreparedSet> {
  const problems: string[] = [];
  if (drivePaths.length < SET_DRIVES_MIN || drivePaths.length > SET_DRIVES_MAX) {
    throw new ErasureSetError([`an erasure set has ${SET_DRIVES_MIN} to ${SET_DRIVES_MAX} drives; ${drivePaths.length} were given`]);
  }
  // The same directory twice is a mistake on the command line: say only that.
  const duplicates = await duplicatePaths(drivePaths);
  if (duplicates.length > 0) {
    if (mode === 'form') throw new ErasureSetError(duplicates);
    problems.push(...duplicates);
  }
  const inspected = await Promise.all(drivePaths.map((path) => inspect(path, clusterSecret)));
  for (const drive of inspected) if (drive.problem !== undefined) problems.push(drive.problem);
  problems.push(...duplicateDriveIds(inspected));
  const setId = chooseSetId(inspected);
  const members: Array<SetMember | undefined> = new Array(drivePaths.length).fill(undefined);
  const empties: Inspected[] = [];
  for (const drive of inspected) {
    if (drive.inspection === null) continue;
    if (drive.inspection.kind === 'empty') {
      empties.push(drive);
      continue;
    }
    const problem = memberProblem(drive.path, drive.inspection.format, setId, drivePaths.length);
    if (problem !== null) {
      problems.push(problem);
      continue;
    }
    const index = drive.inspection.format.set!.driveIndex;
    const holder = members[index];
    if (holder !== undefined) problems.push(`${drive.path} and ${holder.path} both claim to be drive ${index + 1} of set ${setId}`);
    else members[index] = { path: drive.path, format: drive.inspection.format };
  }
  const formattedCount = members.filter((member) => member !== undefined).length;
  const { dataShards } = layoutFor('standard', drivePaths.length);
  if (formattedCount > 0 && empties.length > 0 && formattedCount < dataShards) {
    problems.push(
      `only ${formattedCount} of the ${drivePaths.length} drives of set ${setId} hold its data, fewer than the ${dataShards} needed to read it; ` +
        `refusing to format ${empties.map((drive) => drive.path).join(', ')} as replacements`,
    );
  }
  if (mode === 'form' && problems.length > 0) throw new ErasureSetError(problems);
  // Nothing was written so far. Empty drives take the places no formatted drive claims.
  const freeIndexes = members.flatMap((member, index) => (member === undefined ? [index] : []));
  const replacing = formattedCount > 0;
  for (const [position, drive] of empties.entries()) {
    const driveIndex = freeIndexes[position];
    if (driveIndex === undefined) continue;
    members[driveIndex] = await placeEmptyDrive(drive, { id: setId, driveIndex, driveCount: drivePaths.length }, mode, replacing, log, clusterSecret);
  }
  const unusable = inspected.filter((drive) => drive.inspection === null || !members.some((member) => member?.path === drive.path));
  for (const [index, member] of members.entries()) {
    if (member !== undefined) continue;
    const stranger = unusable.shift();
    members[index] = { path: stranger?.path ?? '(none)', format: null, offlineReason: stranger?.problem ?? 'no drive given for this place in the set' };
  }
  for (const member of members) if (member!.format !== null) await memberAccess(member!.path, clusterSecret).ensureVolumes();
  return { id: setId, members: members as SetMember[] };
}

async function placeEmptyDrive(
  drive: Inspected,
  membership: { id: string; driveIndex: number; driveCount: number },
  mode: SetOpenMode,
  replacing: boolean,
  log: (line: string) => void,
  clusterSecret: string | undefined,
): Promise<SetMember> {
  const exists = drive.inspection?.kind === 'empty' && drive.inspection.exists;
  if (mode === 'join') return { path: drive.path, format: null, offlineReason: 'the drive is empty (not formatted by the primary)' };
  const format = await memberAccess(drive.path, clusterSecret).initialise(exists, membership, replacing);
  const place = `drive ${membership.driveIndex + 1} of ${membership.driveCount} of erasure set ${membership.id}`;
  if (replacing) {
    log(`storage: ${drive.path} was empty: formatted as ${place}, replacing a lost drive; its shards are missing until healed`);
  } else {
    log(`storage: formatted ${drive.path} as ${place}`);
  }
  return { path: drive.path, format };
}

async function inspect(path: string, clusterSecret: string | undefined): Promise<Inspected> {
  try {
    return { path, inspection: await memberAccess(path, clusterSecret).inspect() };
  } catch (error) {
    if (error instanceof DriveFormatError) return { path, inspection: null, problem: error.message };
    if (isRemoteDrive(path)) return { path, inspection: null, problem: `cannot use remote drive ${(error as Error).message}` };
    return { path, inspection: null, problem: `cannot open Cairn drive at ${path}: ${(error as Error).message}` };
  }
}

async function duplicatePaths(drivePaths: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const path of drivePaths) {
    // realpath catches two spellings (symlinks, ..) of one directory; a missing path is compared as written.
    const canonical = isRemoteDrive(path) ? path : await realpath(path).catch(() => resolve(path));
    const earlier = seen.get(canonical);
    if (earlier !== undefined) {
      problems.push(earlier === path ? `drive ${path} is given twice` : `drives ${earlier} and ${path} are the same directory`);
    } else {
      seen.set(canonical, path);
    }
  }
  return problems;
}

function duplicateDriveIds(inspected: Inspected[]): string[] {
  const problems: string[] = [];
  const byId = new Map<string, string>();
  for (const { path, inspection } of inspected) {
    if (inspection?.kind !== 'formatted') continue;
    const earlier = byId.get(inspection.format.driveId);
    if (earlier !== undefined) problems.push(`${earlier} and ${path} are the same drive (driveId ${inspection.format.driveId}): a copy or a second mount?`);
    else byId.set(inspection.format.driveId, path);
  }
  return problems;
}

/** The set most formatted drives belong to (the first one named on a tie); a new id if none. */
function chooseSetId(inspected: Inspected[]): string {
  const counts = new Map<string, number>();
  for (const { inspection } of inspected) {
    const id = inspection?.kind === 'formatted' ? inspection.format.set?.id : undefined;
    if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  let best: string | undefined;
  for (const [id, count] of counts) if (best === undefined || count > counts.get(best)!) best = id;
  return best ?? randomUUID();
}

function memberProblem(path: string, format: DriveFormat, setId: string, driveCount: number): string | null {
  if (format.formatVersion === DRIVE_FORMAT_VERSION || format.set === undefined) {
    return `cannot open Cairn drive at ${path}: it is a standalone drive (formatVersion ${format.formatVersion}, no erasure set); a standalone drive cannot join a set`;
  }
  if (format.set.id !== setId) {
    return `cannot open Cairn drive at ${path}: it belongs to another erasure set (${format.set.id}); the other drives are of set ${setId}`;
  }
  if (format.set.driveCount !== driveCount) {
    return `cannot open Cairn drive at ${path}: erasure set ${setId} has ${format.set.driveCount} drives, but ${driveCount} were given`;
  }
  return null;
}
