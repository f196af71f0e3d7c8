// Small pieces every view uses: the error line (the server's code and message, verbatim), a busy
// wrapper that catches into it, and byte and date formatting.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { describe } from './api.js';

export { html };

export function ErrorLine({ error }: { error: string }) {
  return error === '' ? null : html`<p class="error" role="alert">${error}</p>`;
}

export function Notice({ text }: { text: string }) {
  return text === '' ? null : html`<p class="notice" role="status">${text}</p>`;
}

/** [error, run]: run(action) clears the error, awaits the action, and shows what it threw. */
export function useAction(): [string, (action: () => Promise<void>) => Promise<void>, (error: string) => void] {
  const [error, setError] = useState('');
  const run = async (action: () => Promise<void>) => {
    setError('');
    try {
      await action();
    } catch (caught) {
      setError(describe(caught));
    }
  };
  return [error, run, setError];
}

export function formatBytes(sizeBytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = sizeBytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function formatDate(text: string): string {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toISOString().replace('T', ' ').slice(0, 19);
}
