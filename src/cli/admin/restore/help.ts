// The text of `cairn admin restore --help`.
import { formatBytes } from '../progress.js';
import { COPY_OBJECT_SIZE_BYTES_MAX } from './apply.js';
import { RESTORE_REQUESTS_IN_FLIGHT_MAX } from './run.js';
import { TIME_FORMS_HELP } from './time.js';

export function restoreHelp(): string {
  return `For every key (under --prefix), the version that was current at TIME becomes current again: it is
copied onto the key (CopyObject with the version id; headers, user metadata, tags and storage class
come with it). A key that did not exist at TIME, or was deleted then, gets a delete marker. Keys that
already show the right object are left alone. No version is ever deleted, so a restore can itself be
undone by restoring to the instant before it (the summary prints that command).

The bucket needs versioning Enabled (Suspended is accepted only with --target, since writes to a
suspended bucket replace its null versions).

options:
  --to TIME                  the point in time to go back to (required)
  --prefix P                 only keys that start with P
  --target BUCKET            write the state at TIME into BUCKET (which must exist) instead of in place:
                             keys are copied from the source's versions; keys in BUCKET under the prefix
                             that did not exist at TIME get delete markers (or are deleted, if BUCKET has no
                             versioning — a warning says so)
  --dry-run                  print what would be restored and deleted; write nothing
  --json                     machine-readable output on stdout: JSON lines, one per planned action in a
                             dry run, then the summary object as the last line
  --multipart-threshold SIZE versions larger than SIZE are copied in parts with UploadPartCopy
                             (default and most ${formatBytes(COPY_OBJECT_SIZE_BYTES_MAX)}, S3's CopyObject limit; at least 5 MiB)

${TIME_FORMS_HELP}

Progress goes to stderr (a status line on a terminal, a line every 10 s otherwise); up to
${RESTORE_REQUESTS_IN_FLIGHT_MAX} requests run at once. Exit status: 0 when every key was restored, 1 when some key
failed or the server could not be used, 2 for a wrong command line (nothing is written then).

examples:
  cairn admin restore photos --to 2026-11-21T10:00:00Z --dry-run
  cairn admin restore photos --to now-2h --prefix 2026/ --target photos-restored`;
}
