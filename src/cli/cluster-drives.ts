// The drives of `cairn server`, directories or remote drives (http://HOST:PORT/NAME, served by `cairn
// drive serve`): their paths, and preparing them before anything else is written — a remote drive
// only in an erasure set, with a cluster secret of the drive servers' minimum length; then the
// standalone drive's or the set's formats. Refusals exit the server with their message.
import { resolve } from 'node:path';
import { CLUSTER_SECRET_CHARS_MIN, ErasureSetError, isRemoteDrive, openDrive, prepareSet } from '../storage/index.js';

/** Directories resolved, URLs as given; a remote first drive cannot hold the default index directory. */
export function resolveDrivePaths(drives: readonly string[], indexOrDataGiven: boolean): string[] {
  if (isRemoteDrive(drives[0]!) && !indexOrDataGiven) throw new Error('the first drive is a remote drive: give --data DIR');
  return drives.map((drive) => (isRemoteDrive(drive) ? drive : resolve(drive)));
}

/** The drives' formats only (opening Storage would also start volumes this process never writes). */
export async function prepareDrives(drivePaths: readonly string[], clusterSecret: string | undefined, log: (line: string) => void): Promise<void> {
  checkRemoteDrives(drivePaths, clusterSecret);
  if (drivePaths.length === 1) await openDrive(drivePaths[0]!);
  else await prepareSet(drivePaths, 'form', log, clusterSecret);
}

function checkRemoteDrives(drivePaths: readonly string[], clusterSecret: string | undefined): void {
  if (!drivePaths.some(isRemoteDrive)) return;
  if (drivePaths.length === 1) throw new ErasureSetError(['a remote drive serves in an erasure set of 2 or more drives, not as a standalone drive']);
  if (clusterSecret === undefined || clusterSecret.length < CLUSTER_SECRET_CHARS_MIN) {
    throw new ErasureSetError([`remote drives need the cluster secret of their drive servers (--cluster-secret or CAIRN_CLUSTER_SECRET, at least ${CLUSTER_SECRET_CHARS_MIN} characters)`]);
  }
}
