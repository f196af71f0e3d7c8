// The records AWS Backup keeps (store.ts): vaults with their access policy, lock and notifications,
// recovery points (their objects are in the index), jobs with AWS's states, plans and selections.
// Times are epoch milliseconds; retention is in days (a day is BACKUP_DAY_MS long, see days.ts).

export interface VaultLock {
  minRetentionDays?: number;
  maxRetentionDays?: number;
  /** Compliance mode: the lock becomes immutable at lockDateMs. Governance mode without it. */
  lockDateMs?: number;
}

export interface VaultRecord {
  name: string;
  creationMs: number;
  creatorRequestId?: string;
  encryptionKeyArn?: string;
  tags: Record<string, string>;
  /** The access policy's JSON text, as put. */
  policy?: string;
  lock?: VaultLock;
  notifications?: { snsTopicArn: string; events: string[] };
}

export interface Lifecycle {
  DeleteAfterDays?: number;
  MoveToColdStorageAfterDays?: number;
}

export type RecoveryPointStatus = 'COMPLETED' | 'PARTIAL' | 'DELETING' | 'EXPIRED' | 'AVAILABLE' | 'STOPPED' | 'CREATING';

export interface RecoveryPointRecord {
  id: string;
  vaultName: string;
  /** The bucket's ARN (arn:aws:s3:::NAME). */
  resourceArn: string;
  status: RecoveryPointStatus;
  creationMs: number;
  completionMs?: number;
  sizeBytes: number;
  objects: number;
  lifecycle?: Lifecycle;
  iamRoleArn: string;
  tags: Record<string, string>;
  planId?: string;
  ruleId?: string;
  /** The vault ARN it was copied from (a copy job). */
  sourceVaultArn?: string;
  lastRestoreMs?: number;
  /** Index rows taking it wrote (internal, not in AWS's answers): O(changes since the bucket's previous point), 0 for a copy. */
  rowsWritten?: number;
  /** A continuous recovery point (a rule's EnableContinuousBackup): restorable to any second of its window from the bucket's versions. */
  continuous?: boolean;
}

export type BackupJobState = 'CREATED' | 'PENDING' | 'RUNNING' | 'ABORTING' | 'ABORTED' | 'COMPLETED' | 'FAILED' | 'EXPIRED' | 'PARTIAL';
export const FINAL_BACKUP_JOB_STATES: readonly BackupJobState[] = ['ABORTED', 'COMPLETED', 'FAILED', 'EXPIRED', 'PARTIAL'];

export interface BackupJobRecord {
  id: string;
  vaultName: string;
  resourceArn: string;
  iamRoleArn: string;
  state: BackupJobState;
  statusMessage?: string;
  creationMs: number;
  /** The job must start by then (its start window), or it ends EXPIRED. */
  startByMs: number;
  /** Minutes a started job has to complete (AWS's CompleteWindowMinutes), or it ends EXPIRED; set when it starts: completeByMs. */
  completeWindowMinutes?: number;
  completeByMs?: number;
  completionMs?: number;
  recoveryPointId: string;
  lifecycle?: Lifecycle;
  recoveryPointTags: Record<string, string>;
  sizeBytes?: number;
  idempotencyToken?: string;
  planId?: string;
  ruleId?: string;
  /** Copies to make once the recovery point exists (a plan rule's CopyActions). */
  copyActions?: Array<{ destinationVaultArn: string; lifecycle?: Lifecycle }>;
  /**
   * A copy from another Cairn server (remote-copy.ts): the job backs up a staging bucket, and the
   * recovery point records the source's bucket and vault instead, as AWS's cross-region copies do.
   */
  copiedFrom?: { resourceArn: string; vaultArn: string };
}

export type RestoreJobStatus = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'ABORTED' | 'FAILED';

export interface RestoreJobRecord {
  id: string;
  recoveryPointId: string;
  vaultName: string;
  sourceResourceArn: string;
  destinationBucket: string;
  newBucket: boolean;
  /** Keys or prefixes to restore (at most 5); empty: the whole bucket. */
  items: string[];
  /** A point-in-time restore (Metadata RestoreTime, continuous recovery points): the bucket as it was then. */
  restoreTimeMs?: number;
  status: RestoreJobStatus;
  statusMessage?: string;
  creationMs: number;
  completionMs?: number;
  iamRoleArn?: string;
  objectsRestored?: number;
  sizeBytes?: number;
  idempotencyToken?: string;
}

export type CopyJobState = 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'PARTIAL';

export interface CopyJobRecord {
  id: string;
  sourceRecoveryPointId: string;
  sourceVaultName: string;
  destinationVaultArn: string;
  destinationRecoveryPointArn?: string;
  resourceArn: string;
  iamRoleArn: string;
  state: CopyJobState;
  statusMessage?: string;
  creationMs: number;
  completionMs?: number;
  lifecycle?: Lifecycle;
  sizeBytes?: number;
  idempotencyToken?: string;
}

export interface PlanRule {
  RuleName: string;
  RuleId: string;
  TargetBackupVaultName: string;
  ScheduleExpression: string;
  StartWindowMinutes: number;
  CompletionWindowMinutes: number;
  Lifecycle?: Lifecycle;
  RecoveryPointTags?: Record<string, string>;
  CopyActions?: Array<{ DestinationBackupVaultArn: string; Lifecycle?: Lifecycle }>;
  EnableContinuousBackup?: boolean;
}

export interface PlanRecord {
  id: string;
  name: string;
  versionId: string;
  rules: PlanRule[];
  creationMs: number;
  creatorRequestId?: string;
  tags: Record<string, string>;
  lastExecutionMs?: number;
  /** When the current rules were set (CreateBackupPlan, UpdateBackupPlan): a rule never runs for a time before it. */
  rulesSinceMs?: number;
  /** Per rule id: the last scheduled run the scheduler started (or expired), so a restart neither repeats nor loses one. */
  lastRunMs: Record<string, number>;
}

export interface SelectionRecord {
  id: string;
  planId: string;
  name: string;
  iamRoleArn: string;
  resources: string[];
  notResources: string[];
  /** ListOfTags: STRINGEQUALS conditions, any of which selects a bucket. */
  tagConditions: Array<{ key: string; value: string }>;
  creationMs: number;
  creatorRequestId?: string;
}
