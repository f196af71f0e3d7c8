// The S3 actions a policy may name, with the kind of resource each applies to, after AWS's
// "Actions, resources, and condition keys for Amazon S3" (Service Authorization Reference).
// A policy's action pattern must match at least one of them ("Policy has invalid action").

export type ActionResourceKind = 'object' | 'bucket' | 'service';

const OBJECT_ACTIONS = [
  'AbortMultipartUpload', 'BypassGovernanceRetention', 'DeleteObject', 'DeleteObjectTagging', 'DeleteObjectVersion',
  'DeleteObjectVersionTagging', 'GetObject', 'GetObjectAcl', 'GetObjectAttributes', 'GetObjectLegalHold', 'GetObjectRetention',
  'GetObjectTagging', 'GetObjectTorrent', 'GetObjectVersion', 'GetObjectVersionAcl', 'GetObjectVersionAttributes',
  'GetObjectVersionForReplication', 'GetObjectVersionTagging', 'GetObjectVersionTorrent', 'InitiateReplication',
  'ListMultipartUploadParts', 'ObjectOwnerOverrideToBucketOwner', 'PutObject', 'PutObjectAcl', 'PutObjectLegalHold',
  'PutObjectRetention', 'PutObjectTagging', 'PutObjectVersionAcl', 'PutObjectVersionTagging', 'ReplicateDelete',
  'ReplicateObject', 'ReplicateTags', 'RestoreObject',
];

const BUCKET_ACTIONS = [
  'CreateBucket', 'CreateBucketMetadataTableConfiguration', 'DeleteBucket', 'DeleteBucketMetadataTableConfiguration',
  'DeleteBucketOwnershipControls', 'DeleteBucketPolicy', 'DeleteBucketWebsite', 'GetAccelerateConfiguration',
  'GetAnalyticsConfiguration', 'GetBucketAcl', 'GetBucketCORS', 'GetBucketLocation', 'GetBucketLogging',
  'GetBucketMetadataTableConfiguration', 'GetBucketNotification', 'GetBucketObjectLockConfiguration',
  'GetBucketOwnershipControls', 'GetBucketPolicy', 'GetBucketPolicyStatus', 'GetBucketPublicAccessBlock',
  'GetBucketRequestPayment', 'GetBucketTagging', 'GetBucketVersioning', 'GetBucketWebsite', 'GetEncryptionConfiguration',
  'GetIntelligentTieringConfiguration', 'GetInventoryConfiguration', 'GetLifecycleConfiguration', 'GetMetricsConfiguration',
  'GetReplicationConfiguration', 'ListBucket', 'ListBucketMultipartUploads', 'ListBucketVersions',
  'PutAccelerateConfiguration', 'PutAnalyticsConfiguration', 'PutBucketAcl', 'PutBucketCORS', 'PutBucketLogging',
  'PutBucketNotification', 'PutBucketObjectLockConfiguration', 'PutBucketOwnershipControls', 'PutBucketPolicy',
  'PutBucketPublicAccessBlock', 'PutBucketRequestPayment', 'PutBucketTagging', 'PutBucketVersioning', 'PutBucketWebsite',
  'PutEncryptionConfiguration', 'PutIntelligentTieringConfiguration', 'PutInventoryConfiguration',
  'PutLifecycleConfiguration', 'PutMetricsConfiguration', 'PutReplicationConfiguration',
  'UpdateBucketMetadataInventoryTableConfiguration', 'UpdateBucketMetadataJournalTableConfiguration',
];

const SERVICE_ACTIONS = [
  'CreateJob', 'GetAccountPublicAccessBlock', 'ListAccessPoints', 'ListAllMyBuckets', 'ListJobs',
  'ListStorageLensConfigurations', 'PutAccountPublicAccessBlock',
];

/** Every known action, "s3:Name" in AWS's spelling → the kind of resource it applies to. */
export const S3_ACTIONS: ReadonlyMap<string, ActionResourceKind> = new Map([
  ...OBJECT_ACTIONS.map((name) => [`s3:${name}`, 'object'] as const),
  ...BUCKET_ACTIONS.map((name) => [`s3:${name}`, 'bucket'] as const),
  ...SERVICE_ACTIONS.map((name) => [`s3:${name}`, 'service'] as const),
]);

/**
 * The Amazon ECR actions the container registry judges (src/features/registry/), each on a
 * repository ARN `arn:aws:ecr:REGION:ACCOUNT:repository/NAME` (or `*`).
 */
const ECR_ACTION_NAMES = [
  'BatchCheckLayerAvailability', 'BatchDeleteImage', 'BatchGetImage', 'CompleteLayerUpload', 'CreateRepository',
  'DeleteLifecyclePolicy', 'DeleteRepository', 'DeleteRepositoryPolicy', 'DescribeImages', 'DescribeRegistry', 'DescribeRepositories',
  'GetAuthorizationToken', 'GetDownloadUrlForLayer', 'GetLifecyclePolicy', 'GetLifecyclePolicyPreview', 'GetRepositoryPolicy',
  'InitiateLayerUpload', 'ListImageReferrers', 'ListImages', 'ListTagsForResource', 'PutImage', 'PutImageTagMutability',
  'PutLifecyclePolicy', 'SetRepositoryPolicy', 'StartLifecyclePolicyPreview', 'TagResource', 'UntagResource', 'UploadLayerPart',
];

/** "ecr:Name" → its resource kind (a repository is neither an S3 bucket nor an object: 'service'). */
export const ECR_ACTIONS: ReadonlyMap<string, ActionResourceKind> = new Map(ECR_ACTION_NAMES.map((name) => [`ecr:${name}`, 'service'] as const));

/**
 * The Amazon S3 Tables actions (src/features/tables/): one per operation of the S3 Tables API, plus
 * GetTableData and PutTableData (AWS's actions for reading and writing a table's files), each on a
 * table bucket ARN `arn:aws:s3tables:REGION:ACCOUNT:bucket/NAME`, a table ARN `…/table/TABLE-ID`, or `*`.
 */
const S3TABLES_ACTION_NAMES = [
  'CreateNamespace', 'CreateTable', 'CreateTableBucket', 'DeleteNamespace', 'DeleteTable', 'DeleteTableBucket',
  'DeleteTableBucketEncryption', 'DeleteTableBucketMetricsConfiguration', 'DeleteTableBucketPolicy', 'DeleteTableBucketReplication',
  'DeleteTablePolicy', 'DeleteTableReplication', 'GetNamespace', 'GetTable', 'GetTableBucket', 'GetTableBucketEncryption',
  'GetTableBucketMaintenanceConfiguration', 'GetTableBucketMetricsConfiguration', 'GetTableBucketPolicy', 'GetTableBucketReplication',
  'GetTableBucketStorageClass', 'GetTableData', 'GetTableEncryption', 'GetTableMaintenanceConfiguration', 'GetTableMaintenanceJobStatus',
  'GetTableMetadataLocation', 'GetTablePolicy', 'GetTableRecordExpirationConfiguration', 'GetTableRecordExpirationJobStatus',
  'GetTableReplication', 'GetTableReplicationStatus', 'GetTableStorageClass', 'ListNamespaces', 'ListTableBuckets', 'ListTables',
  'ListTagsForResource', 'PutTableBucketEncryption', 'PutTableBucketMaintenanceConfiguration', 'PutTableBucketMetricsConfiguration',
  'PutTableBucketPolicy', 'PutTableBucketReplication', 'PutTableBucketStorageClass', 'PutTableData', 'PutTableMaintenanceConfiguration',
  'PutTablePolicy', 'PutTableRecordExpirationConfiguration', 'PutTableReplication', 'RenameTable', 'TagResource', 'UntagResource',
  'UpdateTableMetadataLocation',
];

/** "s3tables:Name" → its resource kind (a table bucket is not an S3 bucket: 'service', as ECR's). */
export const S3TABLES_ACTIONS: ReadonlyMap<string, ActionResourceKind> = new Map(S3TABLES_ACTION_NAMES.map((name) => [`s3tables:${name}`, 'service'] as const));

/**
 * "Bad actions" in AWS's definition of a public policy: those that could expose a bucket's data to
 * reads or writes by the public (s3:Get*, s3:List*, s3:AbortMultipartUpload, s3:Delete*, s3:Put*,
 * s3:RestoreObject).
 */
export function isExposingAction(action: string): boolean {
  const name = action.slice('s3:'.length);
  return /^(Get|List|Delete|Put)/.test(name) || name === 'AbortMultipartUpload' || name === 'RestoreObject';
}

/**
 * The AWS Backup actions (src/features/backup/): one per operation Cairn offers, each on a backup
 * vault ARN `arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME`, a plan's, a recovery point's, or `*`.
 */
const BACKUP_ACTION_NAMES = [
  'CreateBackupVault', 'DescribeBackupVault', 'ListBackupVaults', 'DeleteBackupVault', 'PutBackupVaultAccessPolicy', 'GetBackupVaultAccessPolicy',
  'DeleteBackupVaultAccessPolicy', 'PutBackupVaultLockConfiguration', 'DeleteBackupVaultLockConfiguration', 'PutBackupVaultNotifications',
  'GetBackupVaultNotifications', 'DeleteBackupVaultNotifications', 'CreateBackupPlan', 'GetBackupPlan', 'UpdateBackupPlan', 'DeleteBackupPlan',
  'ListBackupPlans', 'CreateBackupSelection', 'GetBackupSelection', 'DeleteBackupSelection', 'ListBackupSelections', 'StartBackupJob',
  'DescribeBackupJob', 'ListBackupJobs', 'StopBackupJob', 'StartCopyJob', 'DescribeCopyJob', 'ListCopyJobs', 'ListRecoveryPointsByBackupVault',
  'ListRecoveryPointsByResource', 'DescribeRecoveryPoint', 'UpdateRecoveryPointLifecycle', 'DeleteRecoveryPoint', 'StartRestoreJob',
  'DescribeRestoreJob', 'ListRestoreJobs', 'CreateFramework', 'DescribeFramework', 'UpdateFramework', 'DeleteFramework', 'ListFrameworks',
  'CreateReportPlan', 'DescribeReportPlan', 'UpdateReportPlan', 'DeleteReportPlan', 'ListReportPlans', 'StartReportJob', 'DescribeReportJob',
];
export const BACKUP_ACTIONS: ReadonlyMap<string, ActionResourceKind> = new Map(BACKUP_ACTION_NAMES.map((name) => [`backup:${name}`, 'service'] as const));
