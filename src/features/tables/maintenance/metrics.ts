// Prometheus figures of S3 Tables maintenance, read from the index at each scrape (so every process
// answers the same): per job type, runs, failed runs and commits lost to writers, summed over
// tables, and how many tables' last run of the job ended in each status.
import type { Index } from '../../../index/types.js';
import { MAINTENANCE_JOB_TYPES, statusKind, type JobStatusRecord } from './config.js';

export async function renderTablesMaintenanceMetrics(index: Index): Promise<string> {
  const lines = [
    '# HELP cairn_tables_maintenance_runs_total Runs of an S3 Tables maintenance job, over all tables.',
    '# TYPE cairn_tables_maintenance_runs_total counter',
    '# HELP cairn_tables_maintenance_failures_total Runs of an S3 Tables maintenance job that failed.',
    '# TYPE cairn_tables_maintenance_failures_total counter',
    '# HELP cairn_tables_maintenance_conflicts_total Maintenance commits that lost to a writer\'s commit (retried or given up).',
    '# TYPE cairn_tables_maintenance_conflicts_total counter',
    '# HELP cairn_tables_maintenance_tables Tables by the status of their last run of a job.',
    '# TYPE cairn_tables_maintenance_tables gauge',
  ];
  for (const job of MAINTENANCE_JOB_TYPES) {
    const records = (await index.listTableMaintenanceOfKind(statusKind(job))).map((entry) => JSON.parse(entry.value) as JobStatusRecord);
    const total = (field: 'runs' | 'failures' | 'conflicts'): number => records.reduce((sum, record) => sum + record[field], 0);
    const label = `{job="${job}"}`;
    lines.push(`cairn_tables_maintenance_runs_total${label} ${total('runs')}`, `cairn_tables_maintenance_failures_total${label} ${total('failures')}`,
      `cairn_tables_maintenance_conflicts_total${label} ${total('conflicts')}`);
    for (const status of ['Successful', 'Failed'] as const) {
      lines.push(`cairn_tables_maintenance_tables{job="${job}",status="${status}"} ${records.filter((record) => record.status === status).length}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
