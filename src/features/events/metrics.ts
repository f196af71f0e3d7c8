// Prometheus figures of event delivery, read from the index at each scrape (so every process of a
// cluster answers the same): per target, events pending, delivered, failed attempts, dead letters,
// and the age of the oldest pending event.
import type { Index } from '../../index/types.js';

export async function renderEventMetrics(index: Index, nowMs = Date.now()): Promise<string> {
  const targets = await index.listEventTargets();
  if (targets.length === 0) return '';
  const queues = new Map((await index.readEventQueueStats()).map((entry) => [entry.target, entry]));
  const lines = [
    '# HELP cairn_events_pending Events queued for a target and not yet acknowledged.',
    '# TYPE cairn_events_pending gauge',
    '# HELP cairn_events_delivered_total Events a target acknowledged.',
    '# TYPE cairn_events_delivered_total counter',
    '# HELP cairn_events_failed_total Failed delivery attempts.',
    '# TYPE cairn_events_failed_total counter',
    '# HELP cairn_events_dead_letters_total Events given up on after the retry limit.',
    '# TYPE cairn_events_dead_letters_total counter',
    '# HELP cairn_events_oldest_pending_age_seconds Age of the oldest event still queued for a target (0: none).',
    '# TYPE cairn_events_oldest_pending_age_seconds gauge',
  ];
  for (const target of targets) {
    const label = `{target="${target.name}",type="${target.kind}"}`;
    const queue = queues.get(target.name);
    const oldestAgeSeconds = queue?.oldestEventTimeMs === undefined ? 0 : Math.max(0, (nowMs - queue.oldestEventTimeMs) / 1000);
    lines.push(`cairn_events_pending${label} ${queue?.pending ?? 0}`, `cairn_events_delivered_total${label} ${target.delivered}`,
      `cairn_events_failed_total${label} ${target.failedAttempts}`, `cairn_events_dead_letters_total${label} ${target.deadLetters}`,
      `cairn_events_oldest_pending_age_seconds${label} ${oldestAgeSeconds.toFixed(3)}`);
  }
  return `${lines.join('\n')}\n`;
}
