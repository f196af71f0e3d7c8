// Runs backup plans: for each rule, every time its cron schedule fired since the run before, on a
// clock that runs CAIRN_BACKUP_DAY_SECONDS times faster than a day (so tests see hourly and daily
// rules fire in seconds), makes a backup job of every bucket the plan's selections name. A run that
// fell due while the server was down gets its job when the server comes back: the runner starts it
// if its start window is still open, else it ends EXPIRED (as AWS ends a job it could not start).
// A scheduled job's id is derived from the plan, the rule, the scheduled time and the bucket, and it
// is made with an exclusive create, so a restart between making the jobs and recording the run, or
// two processes scheduling at once, never makes two jobs for one scheduled time.
import type { BucketRecord } from '../../index/types.js';
import { checkBackupSource, newBackupJob } from './backup-jobs.js';
import type { BackupContext } from './context.js';
import { firesBetween, parseScheduleExpression } from './cron.js';
import { backupDayMs } from './days.js';
import type { BackupJobRecord, PlanRecord, PlanRule, SelectionRecord, VaultRecord } from './records.js';
import { selects } from './selection-match.js';
import { derivedUuid } from './store.js';

const DAY_MS = 86_400_000;
/** How far back (on the plan's clock) a missed run is still looked for. */
const MISSED_RUNS_LOOKBACK_MS = 2 * DAY_MS;
/** At most this many runs of one rule are made in one step (the latest ones; older missed runs are not listed). */
const RUNS_PER_RULE_STEP_MAX = 100;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The job of one scheduled run for one bucket; FAILED from the start when the bucket does not allow a backup. */
async function scheduledJob(
  context: BackupContext, run: { plan: PlanRecord; rule: PlanRule; vault: VaultRecord; selection: SelectionRecord; firePlanMs: number; fireRealMs: number }, resourceArn: string,
): Promise<BackupJobRecord> {
  const { plan, rule, vault, selection } = run;
  const id = derivedUuid('scheduled', plan.id, rule.RuleId, run.firePlanMs, resourceArn);
  const job = newBackupJob(vault, resourceArn, run.fireRealMs, {
    id, recoveryPointId: derivedUuid(id, 'recovery-point'), iamRoleArn: selection.iamRoleArn, lifecycle: rule.Lifecycle,
    startWindowMinutes: rule.StartWindowMinutes, completeWindowMinutes: rule.CompletionWindowMinutes, tags: rule.RecoveryPointTags, planId: plan.id, ruleId: rule.RuleId,
    copyActions: rule.CopyActions?.map((copy) => ({ destinationVaultArn: copy.DestinationBackupVaultArn, lifecycle: copy.Lifecycle })),
  });
  try {
    await checkBackupSource(context.index, resourceArn);
    return job;
  } catch (error) {
    return { ...job, state: 'FAILED', statusMessage: messageOf(error), completionMs: context.nowMs };
  }
}

async function startRun(context: BackupContext, plan: PlanRecord, rule: PlanRule, selections: SelectionRecord[], buckets: BucketRecord[], fire: { planMs: number; realMs: number }): Promise<void> {
  const vault = await context.store.vaults.get(rule.TargetBackupVaultName);
  // A continuous rule's recovery point is made once and kept current by the bucket's versions (continuous.ts).
  if (vault === undefined || rule.EnableContinuousBackup === true) return;
  for (const selection of selections) {
    for (const bucket of buckets.filter((candidate) => selects(selection, candidate))) {
      const run = { plan, rule, vault, selection, firePlanMs: fire.planMs, fireRealMs: fire.realMs };
      const job = await scheduledJob(context, run, `arn:aws:s3:::${bucket.name}`);
      // Already made (an earlier step that stopped before recording the run, another selection of the same bucket): left alone.
      await context.store.backupJobs.create(job.id, job);
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
    const realMs = (planMs: number) => Math.round(plan.creationMs + (planMs - plan.creationMs) / speed);
    const ran: Record<string, number> = {};
    for (const rule of plan.rules) {
      const lastRunMs = plan.lastRunMs[rule.RuleId] ?? planClockMs(plan.rulesSinceMs ?? plan.creationMs);
      const fires = firesBetween(parseScheduleExpression(rule.ScheduleExpression), lastRunMs, planClockMs(context.nowMs), MISSED_RUNS_LOOKBACK_MS, RUNS_PER_RULE_STEP_MAX);
      const planSelections = selections.filter((selection) => selection.planId === plan.id);
      for (const planMs of fires) await startRun(context, plan, rule, planSelections, buckets, { planMs, realMs: realMs(planMs) });
      if (fires.length > 0) ran[rule.RuleId] = fires.at(-1)!;
    }
    if (Object.keys(ran).length === 0) continue;
    const lastExecutionMs = realMs(Math.max(...Object.values(ran)));
    // Under the plan's lock, so an UpdateBackupPlan at the same moment is not overwritten.
    await context.store.plans.update(plan.id, (current) => current && {
      ...current, lastRunMs: { ...current.lastRunMs, ...ran }, lastExecutionMs: Math.max(current.lastExecutionMs ?? 0, lastExecutionMs),
    });
  }
}
