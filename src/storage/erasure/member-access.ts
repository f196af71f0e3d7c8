// How forming a set reaches each drive's format: a local directory directly (drive.ts), a drive on a
// drive server (http://HOST:PORT/NAME) through its signed inspect and format requests. Inspection
// never writes; a wrong cluster secret, an unknown drive name or a server that does not answer is
// an error here, which refuses the set at start.
import { ensureVolumesDirectory, initialiseDrive, inspectDrive, type DriveFormat, type DriveInspection, type DriveSetMembership } from '../drive.js';
import { DRIVE_FORMAT_VERSION_SET } from '../constants.js';
import { isRemoteDrive, RemoteDriveIo } from '../remote/remote-drive.js';

export interface MemberAccess {
  inspect(): Promise<DriveInspection>;
  /** Formats an empty drive for its place in the set (volumes/ included). */
  initialise(exists: boolean, membership: DriveSetMembership, replacing: boolean): Promise<DriveFormat>;
  /** volumes/ exists on a formatted drive (remote drives see to it themselves). */
  ensureVolumes(): Promise<void>;
}

export function memberAccess(location: string, clusterSecret: string | undefined): MemberAccess {
  if (!isRemoteDrive(location)) {
    return {
      inspect: () => inspectDrive(location, DRIVE_FORMAT_VERSION_SET),
      initialise: (exists, membership, replacing) => initialiseDrive(location, exists, membership, replacing),
      ensureVolumes: () => ensureVolumesDirectory(location),
    };
  }
  if (clusterSecret === undefined) throw new RangeError(`${location}: a remote drive needs the cluster secret (--cluster-secret or CAIRN_CLUSTER_SECRET)`);
  const client = RemoteDriveIo.connect(location, clusterSecret);
  return {
    async inspect() {
      try {
        return (JSON.parse((await client.call('GET', 'inspect')).toString('utf8')) as { inspection: DriveInspection }).inspection;
      } finally {
        await client.close();
      }
    },
    async initialise(_exists, membership, replacing) {
      try {
        return JSON.parse((await client.call('POST', 'format', '', Buffer.from(JSON.stringify({ set: membership, replacing })))).toString('utf8')) as DriveFormat;
      } finally {
        await client.close();
      }
    },
    ensureVolumes: async () => undefined,
  };
}
