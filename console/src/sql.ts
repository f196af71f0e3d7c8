// SQL over the S3 Metadata journal and inventory tables (POST /_cairn/sql), results as a table.
import { useState } from 'preact/hooks';
import { call } from './api.js';
import { ErrorLine, html, useAction } from './common.js';

interface Result { columns: Array<{ name: string; type: string }>; rows: unknown[][]; truncated: boolean; elapsedMs: number }

export function SqlBox() {
  const [sql, setSql] = useState('SELECT 1 AS one');
  const [result, setResult] = useState<Result | undefined>(undefined);
  const [error, run] = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      setResult(undefined);
      const response = await call('POST', 'cairn/sql', { body: JSON.stringify({ sql }), headers: { 'content-type': 'application/json' } });
      setResult((await response.json()) as Result);
    });
  };
  return html`<form class="sql" onSubmit=${submit}><label for="sql-text">SQL over the metadata tables</label>
    <textarea id="sql-text" rows="4" spellcheck="false" value=${sql} onInput=${(event: Event) => setSql((event.target as HTMLTextAreaElement).value)}></textarea>
    <button type="submit">Run</button><${ErrorLine} error=${error} />
    ${result === undefined ? null : html`<p>${result.rows.length} row(s) in ${result.elapsedMs} ms${result.truncated ? ' (truncated)' : ''}</p>
      <div class="scroll"><table class="listing" id="sql-result"><thead><tr>${result.columns.map((column) => html`<th scope="col">${column.name}</th>`)}</tr></thead>
      <tbody>${result.rows.map((row) => html`<tr>${row.map((cell) => html`<td>${typeof cell === 'object' && cell !== null ? JSON.stringify(cell) : String(cell)}</td>`)}</tr>`)}</tbody></table></div>`}
  </form>`;
}
