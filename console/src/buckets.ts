// The bucket list: pick one, create one, delete an empty one.
import { useEffect, useState } from 'preact/hooks';
import { childText, elements, objectPath, s3Xml } from './api.js';
import { ErrorLine, html, useAction } from './common.js';

export function BucketPicker({ bucket, onPick }: { bucket: string; onPick: (bucket: string) => void }) {
  const [buckets, setBuckets] = useState<string[]>([]);
  const [name, setName] = useState('');
  // A user's list shows the buckets they own; one shared with them by a policy is opened by name.
  const [other, setOther] = useState('');
  const [error, run] = useAction();
  const load = () => run(async () => {
    const doc = await s3Xml('GET', '');
    const names = elements(doc, 'Bucket').map((element) => childText(element, 'Name'));
    setBuckets(names);
    if (bucket === '' && names[0] !== undefined) onPick(names[0]);
  });
  useEffect(() => { void load(); }, []);
  const create = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      await s3Xml('PUT', objectPath(name).replace(/\/$/, ''));
      onPick(name);
      setName('');
      await load();
    });
  };
  const remove = () => run(async () => {
    if (!confirm(`Delete the bucket ${bucket}? It must be empty.`)) return;
    await s3Xml('DELETE', objectPath(bucket).replace(/\/$/, ''));
    onPick('');
    await load();
  });
  return html`<section class="bar" aria-label="Buckets">
    <label>Bucket <select id="bucket-select" value=${bucket} onChange=${(event: Event) => onPick((event.target as HTMLSelectElement).value)}>
      ${buckets.length === 0 ? html`<option value="">(no buckets)</option>` : null}
      ${buckets.map((name) => html`<option value=${name}>${name}</option>`)}
    </select></label>
    <button type="button" onClick=${load}>Refresh</button>
    <button type="button" class="danger" disabled=${bucket === ''} onClick=${remove}>Delete bucket</button>
    <form onSubmit=${create} class="inline">
      <label>New bucket <input id="new-bucket" value=${name} onInput=${(event: Event) => setName((event.target as HTMLInputElement).value)} /></label>
      <button type="submit">Create</button>
    </form>
    <form onSubmit=${(event: Event) => { event.preventDefault(); onPick(other); }} class="inline">
      <label>Open bucket <input id="open-bucket" value=${other} onInput=${(event: Event) => setOther((event.target as HTMLInputElement).value)} /></label>
      <button type="submit">Open</button>
    </form>
    <${ErrorLine} error=${error} />
  </section>`;
}
