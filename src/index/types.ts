// The index: the map from bucket and key to object, and the only judge of what is visible
// (DESIGN.md §2.2). One interface made of domain interfaces (buckets, objects and versions,
// uploads, identities, the metadata journal, bucket settings, the S3 Tables catalog, the container registry), engines behind it (SQLite embedded;
// PostgreSQL later). Each domain splits into its reads and its writes: the threaded engine sends
// exactly the writes to the one writer of the host (write-methods.ts).
import type { AccessLogReads, AccessLogWrites } from './access-log-index.js';
import type { BackupReads, BackupWrites } from './backup-index.js';
import type { BucketReads, BucketWrites } from './bucket-index.js';
import type { BucketSettingsReads, BucketSettingsWrites } from './bucket-settings.js';
import type { EventReads, EventWrites } from './event-index.js';
import type { IdentityReads, IdentityWrites } from './identity-index.js';
import type { JournalReads, JournalWrites } from './journal-index.js';
import type { ObjectReads, ObjectWrites } from './object-index.js';
import type { RestoreReads, RestoreWrites } from './restore-index.js';
import type { RegistryReads, RegistryWrites } from './registry-index.js';
import type { RegistryLifecycleReads, RegistryLifecycleWrites } from './registry-lifecycle-index.js';
import type { TablesReads, TablesWrites } from './tables-index.js';
import type { UploadReads, UploadWrites } from './upload-index.js';

export * from './records.js';
export * from './bucket-index.js';
export * from './bucket-settings.js';
export * from './identity-index.js';
export * from './journal-index.js';
export * from './object-index.js';
export * from './upload-index.js';
export * from './tables-index.js';
export * from './restore-index.js';
export * from './access-log-index.js';
export * from './registry-index.js';
export * from './registry-lifecycle-index.js';
export * from './event-index.js';
export * from './backup-index.js';
export * from './unavailable.js';

/** Every read of the index: each answers from a consistent snapshot, and never waits for a writer. */
export interface IndexReads extends BucketReads, ObjectReads, UploadReads, IdentityReads, JournalReads, BucketSettingsReads, TablesReads, RestoreReads, AccessLogReads, RegistryReads, RegistryLifecycleReads, EventReads, BackupReads {}

/** Every write of the index: each is one durable transaction (batched into group commits). */
export interface IndexWrites extends BucketWrites, ObjectWrites, UploadWrites, IdentityWrites, JournalWrites, BucketSettingsWrites, TablesWrites, RestoreWrites, AccessLogWrites, RegistryWrites, RegistryLifecycleWrites, EventWrites, BackupWrites {}

export interface Index extends IndexReads, IndexWrites {
  /** Lets writes in flight land, then releases the engine. */
  close(): Promise<void>;
}
