// The AWS Backup operations Cairn answers, by method and path (the botocore model's requestUri),
// each with the function that runs it.
import * as audit from './audit.js';
import * as backupJobs from './backup-jobs.js';
import type { BackupOperation } from './context.js';
import * as plans from './plans.js';
import * as points from './recovery-points.js';
import * as restores from './restore-jobs.js';
import * as vaults from './vaults.js';

export interface BackupRoute {
  method: string;
  /** The path's segments; ':name' matches any one segment. */
  path: string[];
  operation: string;
  run?: BackupOperation;
}

const route = (method: string, path: string, operation: string, run?: BackupOperation): BackupRoute => ({ method, path: path.split('/').filter((part) => part !== ''), operation, run });

export const BACKUP_ROUTES: readonly BackupRoute[] = [
  route('PUT', 'backup-vaults/:vault', 'CreateBackupVault', vaults.createVault),
  route('GET', 'backup-vaults/:vault', 'DescribeBackupVault', vaults.describeVault),
  route('GET', 'backup-vaults', 'ListBackupVaults', vaults.listVaults),
  route('DELETE', 'backup-vaults/:vault', 'DeleteBackupVault', vaults.deleteVault),
  route('PUT', 'backup-vaults/:vault/access-policy', 'PutBackupVaultAccessPolicy', vaults.putAccessPolicy),
  route('GET', 'backup-vaults/:vault/access-policy', 'GetBackupVaultAccessPolicy', vaults.getAccessPolicy),
  route('DELETE', 'backup-vaults/:vault/access-policy', 'DeleteBackupVaultAccessPolicy', vaults.deleteAccessPolicy),
  route('PUT', 'backup-vaults/:vault/vault-lock', 'PutBackupVaultLockConfiguration', vaults.putLockConfiguration),
  route('DELETE', 'backup-vaults/:vault/vault-lock', 'DeleteBackupVaultLockConfiguration', vaults.deleteLockConfiguration),
  route('PUT', 'backup-vaults/:vault/notification-configuration', 'PutBackupVaultNotifications', vaults.putNotifications),
  route('GET', 'backup-vaults/:vault/notification-configuration', 'GetBackupVaultNotifications', vaults.getNotifications),
  route('DELETE', 'backup-vaults/:vault/notification-configuration', 'DeleteBackupVaultNotifications', vaults.deleteNotifications),
  route('GET', 'backup-vaults/:vault/recovery-points', 'ListRecoveryPointsByBackupVault', points.listByVault),
  route('GET', 'backup-vaults/:vault/recovery-points/:arn', 'DescribeRecoveryPoint', points.describeRecoveryPoint),
  route('POST', 'backup-vaults/:vault/recovery-points/:arn', 'UpdateRecoveryPointLifecycle', points.updateLifecycle),
  route('DELETE', 'backup-vaults/:vault/recovery-points/:arn', 'DeleteRecoveryPoint', points.deleteRecoveryPoint),
  route('GET', 'resources/:arn/recovery-points', 'ListRecoveryPointsByResource', points.listByResource),
  route('PUT', 'backup-jobs', 'StartBackupJob', backupJobs.startBackupJob),
  route('GET', 'backup-jobs/:id', 'DescribeBackupJob', backupJobs.describeBackupJob),
  route('GET', 'backup-jobs', 'ListBackupJobs', backupJobs.listBackupJobs),
  route('POST', 'backup-jobs/:id', 'StopBackupJob', backupJobs.stopBackupJob),
  route('PUT', 'restore-jobs', 'StartRestoreJob', restores.startRestoreJob),
  route('GET', 'restore-jobs/:id', 'DescribeRestoreJob', restores.describeRestoreJob),
  route('GET', 'restore-jobs', 'ListRestoreJobs', restores.listRestoreJobs),
  route('PUT', 'copy-jobs', 'StartCopyJob', restores.startCopyJob),
  route('GET', 'copy-jobs/:id', 'DescribeCopyJob', restores.describeCopyJob),
  route('GET', 'copy-jobs', 'ListCopyJobs', restores.listCopyJobs),
  route('PUT', 'backup/plans', 'CreateBackupPlan', plans.createPlan),
  route('GET', 'backup/plans/:id', 'GetBackupPlan', plans.getPlan),
  route('POST', 'backup/plans/:id', 'UpdateBackupPlan', plans.updatePlan),
  route('DELETE', 'backup/plans/:id', 'DeleteBackupPlan', plans.deletePlan),
  route('GET', 'backup/plans', 'ListBackupPlans', plans.listPlans),
  route('PUT', 'backup/plans/:id/selections', 'CreateBackupSelection', plans.createSelection),
  route('GET', 'backup/plans/:id/selections/:selection', 'GetBackupSelection', plans.getSelection),
  route('DELETE', 'backup/plans/:id/selections/:selection', 'DeleteBackupSelection', plans.deleteSelection),
  route('GET', 'backup/plans/:id/selections', 'ListBackupSelections', plans.listSelections),
  route('POST', 'audit/frameworks', 'CreateFramework', audit.createFramework),
  route('GET', 'audit/frameworks', 'ListFrameworks', audit.listFrameworks),
  route('GET', 'audit/frameworks/:name', 'DescribeFramework', audit.describeFramework),
  route('PUT', 'audit/frameworks/:name', 'UpdateFramework', audit.updateFramework),
  route('DELETE', 'audit/frameworks/:name', 'DeleteFramework', audit.deleteFramework),
  route('POST', 'audit/report-plans', 'CreateReportPlan', audit.createReportPlan),
  route('GET', 'audit/report-plans', 'ListReportPlans', audit.listReportPlans),
  route('GET', 'audit/report-plans/:name', 'DescribeReportPlan', audit.describeReportPlan),
  route('PUT', 'audit/report-plans/:name', 'UpdateReportPlan', audit.updateReportPlan),
  route('DELETE', 'audit/report-plans/:name', 'DeleteReportPlan', audit.deleteReportPlan),
  route('POST', 'audit/report-jobs/:name', 'StartReportJob', audit.startReportJob),
  route('GET', 'audit/report-jobs/:id', 'DescribeReportJob', audit.describeReportJob),
];
