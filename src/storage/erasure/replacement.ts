// Replacement drives while serving: a set member whose directory was emptied (a new, empty disk
// mounted, or the directory recreated) is formatted for its place by the one process that formats
// replacements (a standalone server, or the cluster's background worker), and remembered as
// needing heal. Other processes accept the new format for that place at their next health check.

import { ensureVolumesDirectory, initialiseDrive, inspectDrive, type DriveFormat } from '../drive.js';
import { DRIVE_FORMAT_VERSION_SET } from '../constants.js';

export class ReplacementTracker {
  /** Drive indexes formatted as replacements by this process, waiting for a heal. */
  readonly replaced = new Set<number>();
  private readonly listeners: Array<(driveIndex: number) => void> = [];

  onReplaced(listener: (driveIndex: number) => void): void {
    this.listeners.push(listener);
  }

  /** Formats the drive for its place if its directory exists and is empty; null otherwise. */
  async formatIfEmpty(drivePath: string, membership: { id: string; driveIndex: number; driveCount: number }, log: (line: string) => void): Promise<DriveFormat | null> {
    let inspection;
    try {
      inspection = await inspectDrive(drivePath, DRIVE_FORMAT_VERSION_SET);
    } catch {
      return null;
    }
    // A missing directory may be an unmounted disk: never create it (it would land on the parent filesystem).
    if (inspection.kind !== 'empty' || !inspection.exists) return null;
    const format = await initialiseDrive(drivePath, true, membership, true);
    await ensureVolumesDirectory(drivePath);
    log(`storage: ${drivePath} is empty: formatted as drive ${membership.driveIndex + 1} of ${membership.driveCount} of erasure set ${membership.id}, replacing a lost drive; heal will rebuild its shards`);
    this.replaced.add(membership.driveIndex);
    for (const listener of this.listeners) listener(membership.driveIndex);
    return format;
  }
}
