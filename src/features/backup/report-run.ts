// What a report job writes: the rows of its plan's template — each framework control judged on each
// bucket in its scope (control and resource compliance), or the backup, copy or restore jobs — as
// CSV and/or JSON objects in the plan's bucket, under <prefix>/Backup/<account>/<region>/<date>/<template>/.
import { createHash } from 'node:crypto';
import type { BucketRecord } from '../../index/types.js';
import { writeObject, type Layers } from '../../services/objects.js';
import type { FrameworkControl } from './audit.js';
import { type AuditFacts, evaluateControl } from './controls.js';
import type { BackupStore } from './store.js';

type Row = Record<string, string | number | undefined>;

function inScope(control: FrameworkControl, bucket: BucketRecord): boolean {
  const scope = control.ControlScope;
  if (scope?.ComplianceResourceTypes !== undefined && scope.ComplianceResourceTypes.length > 0 && !scope.ComplianceResourceTypes.includes('S3')) return false;
  if (scope?.ComplianceResourceIds !== undefined && scope.ComplianceResourceIds.length > 0 && !scope.ComplianceResourceIds.includes(bucket.name)) return false;
  return Object.entries(scope?.Tags ?? {}).every(([key, value]) => (bucket.tags ?? []).some((tag) => tag.key === key && tag.value === value));
}

async function complianceRows(store: BackupStore, buckets: BucketRecord[], frameworkArns: string[], facts: AuditFacts): Promise<Row[]> {
  const frameworks = (await store.frameworks.list()).filter((framework) => frameworkArns.includes(framework['arn'] as string));
  const evaluationTime = new Date(facts.nowMs).toISOString();
  return frameworks.flatMap((framework) => (framework['controls'] as FrameworkControl[]).flatMap((control) => {
    const parameters = Object.fromEntries((control.ControlInputParameters ?? []).map(({ ParameterName, ParameterValue }) => [ParameterName, ParameterValue]));
    return buckets.filter((bucket) => inScope(control, bucket)).map((bucket) => ({
      FrameworkName: framework.name, ControlName: control.ControlName, ResourceType: 'S3', ResourceArn: `arn:aws:s3:::${bucket.name}`, ResourceName: bucket.name,
      ComplianceStatus: evaluateControl(control.ControlName, bucket, facts, parameters) ? 'COMPLIANT' : 'NON_COMPLIANT', EvaluationTime: evaluationTime,
    }));
  }));
}

/** A resource is NON_COMPLIANT when any control judged it so. */
function resourceRows(rows: Row[]): Row[] {
  const byResource = new Map<string, Row>();
  for (const row of rows) {
    const key = `${row['FrameworkName']}\n${row['ResourceArn']}`;
    const previous = byResource.get(key);
    const compliant = row['ComplianceStatus'] === 'COMPLIANT' && (previous === undefined || previous['ComplianceStatus'] === 'COMPLIANT');
    byResource.set(key, { FrameworkName: row['FrameworkName'], ResourceType: 'S3', ResourceArn: row['ResourceArn'], ResourceName: row['ResourceName'], ComplianceStatus: compliant ? 'COMPLIANT' : 'NON_COMPLIANT', EvaluationTime: row['EvaluationTime'] });
  }
  return [...byResource.values()];
}

const csvCell = (value: string | number | undefined): string => {
  const text = value === undefined ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

function csvOf(rows: Row[]): string {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return [columns.join(','), ...rows.map((row) => columns.map((column) => csvCell(row[column])).join(','))].join('\n') + '\n';
}

async function put(layers: Layers, bucket: string, key: string, text: string, contentType: string): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  const md5Hex = createHash('md5').update(bytes).digest('hex');
  const outcome = await writeObject(layers, {
    bucket, key, headers: { contentType }, userMetadata: {}, storageClass: 'STANDARD', body: [bytes] as unknown as AsyncIterable<Buffer>,
    verify: () => ({ md5Hex, sizeBytes: bytes.byteLength }),
  });
  if (!outcome.stored) throw new Error(`the report could not be written to ${bucket}/${key}: ${outcome.reason}`);
}

async function rowsOf(layers: Layers, store: BackupStore, template: string, setting: Record<string, unknown>, facts: AuditFacts): Promise<Row[]> {
  if (template === 'BACKUP_JOB_REPORT') return (await store.backupJobs.list()).map((job) => ({ BackupJobId: job.id, ResourceArn: job.resourceArn, BackupVaultName: job.vaultName, State: job.state, StatusMessage: job.statusMessage, CreationTime: new Date(job.creationMs).toISOString(), BackupSizeInBytes: job.sizeBytes }));
  if (template === 'COPY_JOB_REPORT') return facts.copyJobs.map((job) => ({ CopyJobId: job.id, ResourceArn: job.resourceArn, SourceBackupVaultName: job.sourceVaultName, DestinationBackupVaultArn: job.destinationVaultArn, State: job.state, CreationTime: new Date(job.creationMs).toISOString() }));
  if (template === 'RESTORE_JOB_REPORT') return (await store.restoreJobs.list()).map((job) => ({ RestoreJobId: job.id, SourceResourceArn: job.sourceResourceArn, DestinationBucket: job.destinationBucket, Status: job.status, CreationTime: new Date(job.creationMs).toISOString() }));
  const buckets = await layers.index.listBuckets();
  const rows = await complianceRows(store, buckets, (setting['FrameworkArns'] as string[] | undefined) ?? [], facts);
  return template === 'RESOURCE_COMPLIANCE_REPORT' ? resourceRows(rows) : rows;
}

/** Writes one report job's files; the keys written. */
export async function runReport(layers: Layers, store: BackupStore, job: Record<string, unknown>, scope: { region: string; accountId: string }): Promise<{ bucket: string; keys: string[] }> {
  const plan = await store.reportPlans.get(job['planName'] as string);
  if (plan === undefined) throw new Error(`report plan ${String(job['planName'])} no longer exists`);
  const channel = plan['channel'] as { S3BucketName: string; S3KeyPrefix?: string; Formats: string[] };
  const setting = plan['setting'] as Record<string, unknown>;
  const nowMs = Date.now();
  const facts: AuditFacts = {
    nowMs, plans: await store.plans.list(), selections: await store.selections.list(), recoveryPoints: await store.recoveryPoints.list(),
    vaults: await store.vaults.list(), copyJobs: await store.copyJobs.list(),
  };
  const template = setting['ReportTemplate'] as string;
  const rows = await rowsOf(layers, store, template, setting, facts);
  const date = new Date(nowMs).toISOString().slice(0, 10).replace(/-/g, '/');
  const base = `${channel.S3KeyPrefix === undefined || channel.S3KeyPrefix === '' ? '' : `${channel.S3KeyPrefix}/`}Backup/${scope.accountId}/${scope.region}/${date}/${template}/${plan.name}_${String(job['id'])}`;
  const keys: string[] = [];
  for (const format of channel.Formats) {
    const key = `${base}.${format.toLowerCase()}`;
    await put(layers, channel.S3BucketName, key, format === 'CSV' ? csvOf(rows) : JSON.stringify({ reportItems: rows }), format === 'CSV' ? 'text/csv' : 'application/json');
    keys.push(key);
  }
  return { bucket: channel.S3BucketName, keys };
}
