// Operations (root only): drives and their health, faults (inject, remove), audit, heal and
// compaction status with a button to start each, and charts of /_cairn/metrics polled every few seconds
// (requests, errors, latency and bytes: request-charts.ts), and the live request log (request-log.ts).
import { useEffect, useRef, useState } from 'preact/hooks';
import { adminJson, call } from './api.js';
import { ErrorLine, html, Notice, useAction } from './common.js';
import { LineChart, parseMetrics, type Sample } from './metrics.js';
import { REQUEST_CHARTS, requestFigures, requestPoints, type RequestFigures } from './request-charts.js';
import { RequestLog } from './request-log.js';

const POLL_INTERVAL_MS = 3000;
/** Points kept per chart. */
const HISTORY_POINTS_MAX = 60;
const CHARTED = ['cairn_audit_records_checked_total', 'cairn_repair_queue_length', 'cairn_audit_corrupt_found_total', 'cairn_audit_repaired_total'];

interface Layout { erasureSet: boolean; drives: number[]; storageClasses: Array<{ classes: string; dataShards: number; parityShards: number; writeQuorum: number }> }

/** The erasure set: its drives and each storage class's data and parity shards (GET /_cairn/admin/layout). */
function LayoutTable() {
  const [layout, setLayout] = useState<Layout | undefined>(undefined);
  const [error, run] = useAction();
  useEffect(() => { void run(async () => setLayout(await adminJson<Layout>('GET', 'layout'))); }, []);
  if (layout === undefined) return html`<${ErrorLine} error=${error} />`;
  if (!layout.erasureSet) return html`<p id="layout">A standalone drive: one copy of every object, no erasure set.</p>`;
  return html`<table class="listing" id="layout"><caption>Erasure set: drives ${layout.drives.join(', ')}</caption>
    <thead><tr><th scope="col">Storage classes</th><th scope="col">Data shards</th><th scope="col">Parity shards</th><th scope="col">Write quorum</th></tr></thead><tbody>
    ${layout.storageClasses.map((each) => html`<tr><td>${each.classes}</td><td>${each.dataShards}</td><td>${each.parityShards}</td><td>${each.writeQuorum}</td></tr>`)}</tbody></table>`;
}

interface Fault { id: string; drive: number; action: string; expiresAt?: string }

function Drives({ samples, faults }: { samples: Sample[]; faults: Fault[] }) {
  const drives = samples.filter((sample) => sample.name === 'cairn_drive_online');
  return html`<table class="listing" id="drives-table"><caption>Drives</caption><thead><tr><th scope="col">Drive</th><th scope="col">Path</th><th scope="col">State</th><th scope="col">Faults</th></tr></thead><tbody>
    ${drives.map((drive) => {
      const number = Number(drive.labels['drive']) + 1;
      const active = faults.filter((fault) => fault.drive === number).map((fault) => fault.action).join(', ');
      return html`<tr data-drive=${number}><td>${number}</td><td>${drive.labels['path']}</td>
        <td class=${drive.value === 1 ? 'ok' : 'bad'}>${drive.value === 1 ? 'online' : 'failed (offline)'}</td><td>${active}</td></tr>`;
    })}</tbody></table>`;
}

function FaultForm({ onChanged }: { onChanged: () => void }) {
  const [drive, setDrive] = useState('1');
  const [action, setAction] = useState('fail');
  const [durationSeconds, setDuration] = useState('60');
  const [error, run] = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const body: Record<string, unknown> = { drive: Number(drive), action };
      if (action !== 'corrupt') body['durationSeconds'] = Number(durationSeconds);
      await adminJson('POST', 'faults', body);
      onChanged();
    });
  };
  return html`<form class="bar" onSubmit=${submit} aria-label="Inject a fault">
    <label>Drive <input id="fault-drive" type="number" min="1" value=${drive} onInput=${(event: Event) => setDrive((event.target as HTMLInputElement).value)} /></label>
    <label>Action <select id="fault-action" value=${action} onChange=${(event: Event) => setAction((event.target as HTMLSelectElement).value)}>
      ${['fail', 'slow', 'read-only', 'corrupt'].map((name) => html`<option value=${name}>${name}</option>`)}</select></label>
    <label>Seconds <input type="number" min="1" value=${durationSeconds} onInput=${(event: Event) => setDuration((event.target as HTMLInputElement).value)} /></label>
    <button type="submit">Inject fault</button><${ErrorLine} error=${error} /></form>`;
}

function JobStatus({ name, path }: { name: string; path: string }) {
  const [status, setStatus] = useState('');
  const [notice, setNotice] = useState('');
  const [error, run] = useAction();
  const load = () => run(async () => setStatus(JSON.stringify(await adminJson('GET', path), null, 2)));
  useEffect(() => { void load(); }, []);
  const start = () => run(async () => { await adminJson('POST', path, {}); setNotice(`${name} requested.`); await load(); });
  return html`<details class="job"><summary>${name}</summary><div class="bar"><button type="button" onClick=${load}>Refresh</button>
    ${name === 'Heal' ? null : html`<button type="button" onClick=${start}>Start ${name.toLowerCase()}</button>`}</div>
    <${Notice} text=${notice} /><${ErrorLine} error=${error} /><pre class="status">${status}</pre></details>`;
}

export function OperationsView() {
  const [samples, setSamples] = useState<Sample[]>([]);
  const [history, setHistory] = useState<Record<string, number[]>>({});
  const [faults, setFaults] = useState<Fault[]>([]);
  const [requestHistory, setRequestHistory] = useState<Record<string, number[]>>({});
  const previousFigures = useRef<RequestFigures | undefined>(undefined);
  const [error, run] = useAction();
  const poll = () => run(async () => {
    const parsed = parseMetrics(await (await call('GET', 'cairn/metrics')).text());
    setSamples(parsed);
    const figures = requestFigures(parsed, Date.now());
    const before = previousFigures.current;
    previousFigures.current = figures;
    if (before !== undefined) {
      const points = requestPoints(before, figures);
      setRequestHistory((previous) => Object.fromEntries(REQUEST_CHARTS.map((name) => [name, [...(previous[name] ?? []), points[name]].slice(-HISTORY_POINTS_MAX)])));
    }
    setFaults((await adminJson<{ faults: Fault[] }>('GET', 'faults')).faults);
    setHistory((previous) => Object.fromEntries(CHARTED.map((name) => {
      const value = parsed.filter((sample) => sample.name === name).reduce((sum, sample) => sum + sample.value, 0);
      return [name, [...(previous[name] ?? []), value].slice(-HISTORY_POINTS_MAX)];
    })));
  });
  useEffect(() => {
    void poll();
    const timer = setInterval(() => void poll(), POLL_INTERVAL_MS);
    return () => clearInterval(timer);
  }, []);
  const removeFault = (fault: Fault) => run(async () => { await adminJson('DELETE', `faults/${encodeURIComponent(fault.id)}`); await poll(); });
  return html`<section aria-label="Operations"><h2>Operations</h2><${ErrorLine} error=${error} />
    <${Drives} samples=${samples} faults=${faults} />
    <${LayoutTable} />
    <${FaultForm} onChanged=${poll} />
    <ul class="faults">${faults.map((fault) => html`<li>drive ${fault.drive}: ${fault.action}${fault.expiresAt ? ` until ${fault.expiresAt}` : ''}
      <button type="button" onClick=${() => removeFault(fault)}>Remove</button></li>`)}</ul>
    <div class="charts" id="request-charts" aria-label="Requests">${REQUEST_CHARTS.map((name) => html`<${LineChart} title=${name} points=${requestHistory[name] ?? []} />`)}</div>
    <div class="charts">${CHARTED.map((name) => html`<${LineChart} title=${name} points=${history[name] ?? []} />`)}</div>
    <${RequestLog} />
    <${JobStatus} name="Audit" path="audit" /><${JobStatus} name="Heal" path="heal" /><${JobStatus} name="Compaction" path="compaction" />
  </section>`;
}
