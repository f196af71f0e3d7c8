// The object browser: prefixes as folders, search by prefix, upload (drag and drop or a file
// picker, with a progress bar), create folder, select and delete, and the selected object's details.
import { useEffect, useState } from 'preact/hooks';
import { checksumHeaders, childText, elements, objectPath, s3Xml } from './api.js';
import { ErrorLine, formatBytes, formatDate, html, Notice, useAction } from './common.js';
import { ObjectDetails } from './object-details.js';
import { UploadsInProgress } from './uploads-in-progress.js';
import { upload } from './upload.js';

interface Listing { folders: string[]; objects: Array<{ key: string; size: number; modified: string }>; next: string }

/** Keys per DeleteObjects request (S3's limit). */
const DELETE_BATCH_MAX = 1000;

async function list(bucket: string, prefix: string, token: string): Promise<Listing> {
  const query: Record<string, string> = { 'list-type': '2', delimiter: '/', prefix };
  if (token !== '') query['continuation-token'] = token;
  const doc = await s3Xml('GET', objectPath(bucket).replace(/\/$/, ''), { query });
  return {
    folders: elements(doc, 'CommonPrefixes').map((element) => childText(element, 'Prefix')),
    objects: elements(doc, 'Contents').map((element) => ({ key: childText(element, 'Key'), size: Number(childText(element, 'Size')), modified: childText(element, 'LastModified') })),
    next: childText(doc, 'NextContinuationToken'),
  };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (character) => `&#${character.charCodeAt(0)};`);
}

async function deleteKeys(bucket: string, keys: string[]): Promise<void> {
  for (let start = 0; start < keys.length; start += DELETE_BATCH_MAX) {
    const batch = keys.slice(start, start + DELETE_BATCH_MAX);
    const body = `<Delete><Quiet>true</Quiet>${batch.map((key) => `<Object><Key>${escapeXml(key)}</Key></Object>`).join('')}</Delete>`;
    const doc = await s3Xml('POST', objectPath(bucket).replace(/\/$/, ''), { query: { delete: '' }, body, headers: await checksumHeaders(body) });
    const failed = elements(doc, 'Error');
    if (failed.length > 0) throw new Error(failed.map((error) => `${childText(error, 'Key')}: ${childText(error, 'Code')} ${childText(error, 'Message')}`).join('; '));
  }
}

function UploadBox({ bucket, prefix, onDone }: { bucket: string; prefix: string; onDone: () => void }) {
  const [fraction, setFraction] = useState(-1);
  const [name, setName] = useState('');
  const [dragging, setDragging] = useState(false);
  const [error, run] = useAction();
  const send = (files: FileList | null) => run(async () => {
    for (const file of Array.from(files ?? [])) {
      setName(file.name);
      setFraction(0);
      await upload(bucket, `${prefix}${file.name}`, file, setFraction);
    }
    onDone();
  });
  const percent = Math.round(Math.max(0, fraction) * 100);
  return html`<div class=${`dropzone${dragging ? ' dragging' : ''}`}
      onDragOver=${(event: DragEvent) => { event.preventDefault(); setDragging(true); }}
      onDragLeave=${() => setDragging(false)}
      onDrop=${(event: DragEvent) => { event.preventDefault(); setDragging(false); void send(event.dataTransfer?.files ?? null); }}>
    <label>Upload files (or drop them here) <input id="upload-input" type="file" multiple onChange=${(event: Event) => void send((event.target as HTMLInputElement).files)} /></label>
    ${fraction >= 0 ? html`<div class="progress-line"><progress id="upload-progress" max="100" value=${percent} aria-label=${`Uploading ${name}`}></progress>
      <span id="upload-percent" aria-live="polite">${name}: ${percent}%</span></div>` : null}
    <${ErrorLine} error=${error} />
  </div>`;
}

function ListingTable({ listing, selected, onSelect, onOpen, onFolder }: {
  listing: Listing; selected: Set<string>; onSelect: (key: string, on: boolean) => void; onOpen: (key: string) => void; onFolder: (prefix: string) => void;
}) {
  return html`<table class="listing"><thead><tr><th scope="col"><span class="visually-hidden">Select</span></th><th scope="col">Name</th><th scope="col">Size</th><th scope="col">Last modified</th></tr></thead>
    <tbody>
      ${listing.folders.map((folder) => html`<tr><td></td><td><button type="button" class="link folder" onClick=${() => onFolder(folder)}>📁 ${folder}</button></td><td></td><td></td></tr>`)}
      ${listing.objects.map((object) => html`<tr>
        <td><input type="checkbox" aria-label=${`Select ${object.key}`} checked=${selected.has(object.key)} onChange=${(event: Event) => onSelect(object.key, (event.target as HTMLInputElement).checked)} /></td>
        <td><button type="button" class="link object-link" onClick=${() => onOpen(object.key)}>${object.key}</button></td>
        <td>${formatBytes(object.size)}</td><td>${formatDate(object.modified)}</td></tr>`)}
    </tbody></table>`;
}

export function ObjectBrowser({ bucket }: { bucket: string }) {
  const [prefix, setPrefix] = useState('');
  const [listing, setListing] = useState<Listing>({ folders: [], objects: [], next: '' });
  const [selected, setSelected] = useState(new Set<string>());
  const [opened, setOpened] = useState('');
  const [folderName, setFolderName] = useState('');
  const [notice, setNotice] = useState('');
  const [error, run] = useAction();
  const load = (token = '') => run(async () => {
    const page = await list(bucket, prefix, token);
    setListing(token === '' ? page : { folders: [...listing.folders, ...page.folders], objects: [...listing.objects, ...page.objects], next: page.next });
    setSelected(new Set());
  });
  useEffect(() => { setOpened(''); void load(); }, [bucket, prefix]);
  const removeSelected = () => run(async () => {
    if (!confirm(`Delete ${selected.size} object(s)?`)) return;
    await deleteKeys(bucket, [...selected]);
    setNotice(`Deleted ${selected.size} object(s).`);
    await load();
  });
  const createFolder = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      await s3Xml('PUT', objectPath(bucket, `${prefix}${folderName.replace(/\/+$/, '')}/`));
      setFolderName('');
      await load();
    });
  };
  const parent = prefix.replace(/[^/]*\/$/, '');
  return html`<section aria-label="Objects">
    <div class="bar">
      <label>Prefix <input id="prefix-search" value=${prefix} onChange=${(event: Event) => setPrefix((event.target as HTMLInputElement).value)} /></label>
      <button type="button" disabled=${prefix === ''} onClick=${() => setPrefix(parent)}>Up</button>
      <button type="button" onClick=${() => load()}>Refresh</button>
      <button type="button" class="danger" id="delete-selected" disabled=${selected.size === 0} onClick=${removeSelected}>Delete selected</button>
      <form class="inline" onSubmit=${createFolder}><label>New folder <input id="folder-name" value=${folderName} onInput=${(event: Event) => setFolderName((event.target as HTMLInputElement).value)} /></label><button type="submit">Create folder</button></form>
    </div>
    <${UploadBox} bucket=${bucket} prefix=${prefix} onDone=${() => { setNotice('Upload complete.'); void load(); }} />
    <${Notice} text=${notice} /><${ErrorLine} error=${error} />
    <${ListingTable} listing=${listing} selected=${selected} onFolder=${setPrefix} onOpen=${setOpened}
      onSelect=${(key: string, on: boolean) => { const next = new Set(selected); if (on) next.add(key); else next.delete(key); setSelected(next); }} />
    ${listing.next !== '' ? html`<button type="button" onClick=${() => load(listing.next)}>More</button>` : null}
    ${opened !== '' ? html`<${ObjectDetails} key=${`${bucket}/${opened}`} bucket=${bucket} objectKey=${opened} onChanged=${() => load()} />` : null}
    <${UploadsInProgress} bucket=${bucket} />
  </section>`;
}
