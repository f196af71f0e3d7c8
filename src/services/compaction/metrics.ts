// Compaction's counters in Prometheus text format (0.0.4), from its shared status file: the
// cluster's figures, whichever worker is scraped (as for the audit's, services/audit/metrics.ts).

import { MetricsText } from '../jobs/metrics-text.js';
import type { CompactionFiles } from './status.js';

export async function renderCompactionMetrics(files: CompactionFiles): Promise<string> {
  const status = await files.readStatus();
  const text = new MetricsText();
  const metric = text.add.bind(text);
  const totals = status.totals;
  metric('cairn_compaction_bytes_reclaimed_total', 'counter', 'Bytes of volume files compaction deleted.', totals.bytesReclaimed);
  metric('cairn_compaction_volumes_deleted_total', 'counter', 'Volume files compaction deleted.', totals.volumesDeleted);
  metric('cairn_compaction_bytes_moved_total', 'counter', 'Bytes of referenced records compaction copied out of sparse volumes.', totals.bytesMoved);
  metric('cairn_compaction_passes_total', 'counter', 'Compaction passes completed.', status.passesCompleted);
  metric('cairn_compaction_pending_deletion_bytes', 'gauge', 'Bytes of emptied volumes waiting for their grace period.', status.pendingDeletion.bytes);
  return text.text();
}
