// /_cairn/metrics (Prometheus text) parsed into samples, and a small SVG line chart of a history.
import { html } from './common.js';

export interface Sample { name: string; labels: Record<string, string>; value: number }

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, '$1');
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

const CHART_WIDTH = 240;
const CHART_HEIGHT = 60;

export function LineChart({ title, points }: { title: string; points: number[] }) {
  const max = Math.max(1, ...points);
  const step = points.length > 1 ? CHART_WIDTH / (points.length - 1) : 0;
  const path = points.map((value, index) => `${(index * step).toFixed(1)},${(CHART_HEIGHT - (value / max) * CHART_HEIGHT).toFixed(1)}`).join(' ');
  return html`<figure class="chart"><svg viewBox=${`0 0 ${CHART_WIDTH} ${CHART_HEIGHT}`} width=${CHART_WIDTH} height=${CHART_HEIGHT} role="img" aria-label=${`${title}: ${points[points.length - 1] ?? 0}`}>
      <polyline fill="none" stroke="currentColor" stroke-width="2" points=${path} /></svg>
    <figcaption>${title}: ${points[points.length - 1] ?? 0}</figcaption></figure>`;
}
