// The live request log in the Operations view: polls GET /_cairn/requests for entries after the last
// one seen and shows the newest REQUESTS_SHOWN_MAX (time, API surface, method, path, status, duration).
import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from './api.js';
import { ErrorLine, html, useAction } from './common.js';

const POLL_INTERVAL_MS = 3000;
const REQUESTS_SHOWN_MAX = 50;

interface LoggedRequest { sequence: number; timeMs: number; surface: string; method: string; path: string; status: number; durationMs: number }

export function RequestLog() {
  const [requests, setRequests] = useState<LoggedRequest[]>([]);
  const lastSequence = useRef(0);
  const [error, run] = useAction();
  const poll = () => run(async () => {
    const response = await call('GET', 'cairn/requests', { query: { after: String(lastSequence.current) } });
    const fresh = ((await response.json()) as { requests: LoggedRequest[] }).requests;
    if (fresh.length === 0) return;
    lastSequence.current = fresh[fresh.length - 1]!.sequence;
    setRequests((previous) => [...fresh.reverse(), ...previous].slice(0, REQUESTS_SHOWN_MAX));
  });
  useEffect(() => {
    void poll();
    const timer = setInterval(() => void poll(), POLL_INTERVAL_MS);
    return () => clearInterval(timer);
  }, []);
  return html`<${ErrorLine} error=${error} /><table class="listing" id="request-log"><caption>Recent requests (this worker)</caption>
    <thead><tr><th scope="col">Time</th><th scope="col">API</th><th scope="col">Method</th><th scope="col">Path</th><th scope="col">Status</th><th scope="col">ms</th></tr></thead><tbody>
    ${requests.map((request) => html`<tr data-sequence=${request.sequence}><td>${new Date(request.timeMs).toISOString().slice(11, 23)}</td><td>${request.surface}</td>
      <td>${request.method}</td><td class="path">${request.path}</td><td class=${request.status >= 500 ? 'bad' : ''}>${request.status}</td><td>${request.durationMs.toFixed(1)}</td></tr>`)}</tbody></table>`;
}
