// Runs backup plans: for each rule, the latest time its cron schedule fired since the run before,
// on a clock that runs CAIRN_BACKUP_DAY_SECONDS times faster than a day (so tests see hourly and
// daily rules fire in seconds), starts a backup job of every bucket the plan's selections name. The
// last run is stored in the plan, so a restart neither repeats a run nor loses one: a run due while
// the server was down gets its job, which starts within its start window or ends EXPIRED.
import type { BucketRecord } from '../../index/types.js';
import { checkBackupSource, newBackupJob } from './backup-jobs.js';
import type { BackupContext } from './context.js';
import { latestFireAtOrBefore, parseScheduleExpression } from './cron.js';
import { backupDayMs } from './days.js';
import type { PlanRecord, PlanRule, SelectionRecord } from './records.js';
import { selects } from './selection-match.js';

const DAY_MS = 86_400_000;
/** How far back (on the plan's clock) a missed run is still looked for. */
const LOOKBACK_MS = 2 * DAY_MS;

async function startRun(context: BackupContext, plan: PlanRecord, rule: PlanRule, selections: SelectionRecord[], buckets: BucketRecord[], fireMs: number): Promise<void> {
  const vault = await context.store.vaults.get(rule.TargetBackupVaultName);
  // A continuous rule's recovery point is made once and kept current by the bucket's versions (continuous.ts).
  if (vault === undefined || rule.EnableContinuousBackup === true) return;
  for (const selection of selections) {
    for (const bucket of buckets.filter((candidate) => selects(selection, candidate))) {
      const resourceArn = `arn:aws:s3:::${bucket.name}`;
      const job = newBackupJob(vault, resourceArn, fireMs, {
        iamRoleArn: selection.iamRoleArn, lifecycle: rule.Lifecycle, startWindowMinutes: rule.StartWindowMinutes, tags: rule.RecoveryPointTags,
        planId: plan.id, ruleId: rule.RuleId, copyActions: rule.CopyActions?.map((copy) => ({ destinationVaultArn: copy.DestinationBackupVaultArn, lifecycle: copy.Lifecycle })),
      });
      try {
        await checkBackupSource(context.index, resourceArn);
      } catch (error) {
        Object.assign(job, { state: 'FAILED', statusMessage: error instanceof Error ? error.message : String(error), completionMs: context.nowMs });
      }
      await context.store.backupJobs.put(job.id, job);
    }
  }
}

export async function runSchedules(_parts: unknown, context: BackupContext): Promise<void> {
  const plans = await context.store.plans.list();
  if (plans.length === 0) return;
  const selections = await context.store.selections.list();
  const buckets = await context.index.listBuckets();
  const speed = DAY_MS / backupDayMs();
  for (const plan of plans) {
    const planClockMs = (realMs: number) => plan.creationMs + (realMs - plan.creationMs) * speed;
    const realMs = (planMs: number) => plan.creationMs + (planMs - plan.creationMs) / speed;
    let changed = false;
    for (const rule of plan.rules) {
      const lastRunMs = plan.lastRunMs[rule.RuleId] ?? plan.creationMs;
      const fireMs = latestFireAtOrBefore(parseScheduleExpression(rule.ScheduleExpression), lastRunMs, planClockMs(context.nowMs), LOOKBACK_MS);
      if (fireMs === undefined) continue;
      plan.lastRunMs[rule.RuleId] = fireMs;
      plan.lastExecutionMs = realMs(fireMs);
      changed = true;
      await startRun(context, plan, rule, selections.filter((selection) => selection.planId === plan.id), buckets, realMs(fireMs));
    }
    if (changed) await context.store.plans.put(plan.id, plan);
  }
}
