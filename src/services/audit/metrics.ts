// The audit and repair counters in Prometheus text format (jobs/metrics-text.ts): the cluster's
// figures, read from the audit's shared files at each scrape.

import { escapeLabel, MetricsText } from '../jobs/metrics-text.js';
import type { AuditControl } from './service.js';

export async function renderMetrics(control: AuditControl): Promise<string> {
  const { status, workers } = await control.status();
  const text = new MetricsText();
  const metric = text.add.bind(text);
  const totals = status.totals;
  metric('cairn_audit_records_checked_total', 'counter', 'Records read and verified by the audit and the scrub.', [['', totals.recordsChecked]]);
  metric('cairn_audit_bytes_checked_total', 'counter', 'Record bytes read and verified by the audit and the scrub.', [['', totals.bytesChecked]]);
  metric('cairn_audit_corrupt_found_total', 'counter', 'Damaged records found by the audit and the scrub.', [['', totals.corruptFound]]);
  metric('cairn_audit_repaired_total', 'counter', 'Damaged records rebuilt and rewritten by the audit and the scrub.', [['', totals.repaired]]);
  metric('cairn_audit_unrecoverable_total', 'counter', 'Damaged records that could not be rebuilt.', [['', totals.unrecoverable]]);
  const sum = (field: 'queueLength' | 'queueRepaired' | 'queueUnrecoverable') => workers.reduce((total, worker) => total + worker[field], 0);
  metric('cairn_repair_queue_length', 'gauge', 'Damaged shards found by reads, waiting for repair (all processes).', [['', sum('queueLength')]]);
  metric('cairn_repair_queue_repaired_total', 'counter', 'Shards rebuilt and rewritten from the repair queue (live processes).', [['', sum('queueRepaired')]]);
  metric('cairn_repair_queue_unrecoverable_total', 'counter', 'Queued shards that could not be rebuilt (live processes).', [['', sum('queueUnrecoverable')]]);
  // A drive is online when every live process sees it online.
  const drives = new Map<number, { path: string; online: boolean }>();
  for (const worker of workers) {
    for (const drive of worker.drivesOnline) {
      const seen = drives.get(drive.driveIndex);
      drives.set(drive.driveIndex, { path: drive.path, online: (seen?.online ?? true) && drive.online });
    }
  }
  metric('cairn_drive_online', 'gauge', 'Whether a drive is online (1) or offline (0).',
    [...drives].sort(([a], [b]) => a - b).map(([driveIndex, drive]) => [`{drive="${driveIndex}",path="${escapeLabel(drive.path)}"}`, drive.online ? 1 : 0]));
  return text.text();
}
