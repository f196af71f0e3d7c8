// One object: its metadata and tags, a preview (image, text, PDF, video), download, delete, a
// presigned share link with an expiry, and its versions: download, delete, restore as current.
import { useEffect, useState } from 'preact/hooks';
import { call, childText, elements, objectPath, presign, proxyUrl, s3Xml } from './api.js';
import { ErrorLine, formatBytes, formatDate, html, Notice, useAction } from './common.js';

interface Version { versionId: string; latest: boolean; deleteMarker: boolean; size: number; modified: string }

/** Text previews show at most this much. */
const TEXT_PREVIEW_BYTES_MAX = 64 * 1024;
const SHARE_EXPIRIES_SECONDS = [3600, 86400, 7 * 86400];

async function versionsOf(bucket: string, key: string): Promise<Version[]> {
  const doc = await s3Xml('GET', objectPath(bucket).replace(/\/$/, ''), { query: { versions: '', prefix: key } });
  // In the server's order: newest first, versions and delete markers interleaved.
  const rows = Array.from(doc.documentElement.children).filter((element) => (element.localName === 'Version' || element.localName === 'DeleteMarker') && childText(element, 'Key') === key);
  return rows.map((element) => ({
    versionId: childText(element, 'VersionId'), latest: childText(element, 'IsLatest') === 'true', deleteMarker: element.localName === 'DeleteMarker',
    size: Number(childText(element, 'Size') || 0), modified: childText(element, 'LastModified'),
  }));
}

function Preview({ bucket, objectKey, contentType }: { bucket: string; objectKey: string; contentType: string }) {
  const [text, setText] = useState('');
  const url = proxyUrl(`s3/${objectPath(bucket, objectKey)}`);
  useEffect(() => {
    if (!contentType.startsWith('text/') && contentType !== 'application/json') return;
    void call('GET', `s3/${objectPath(bucket, objectKey)}`, { headers: { range: `bytes=0-${TEXT_PREVIEW_BYTES_MAX - 1}` } }).then((response) => response.text()).then(setText, () => setText(''));
  }, [bucket, objectKey, contentType]);
  if (contentType.startsWith('image/')) return html`<img class="preview" src=${url} alt=${`Preview of ${objectKey}`} />`;
  if (contentType.startsWith('video/')) return html`<video class="preview" src=${url} controls aria-label=${`Preview of ${objectKey}`}></video>`;
  if (contentType === 'application/pdf') return html`<object class="preview pdf" data=${url} type="application/pdf" aria-label=${`Preview of ${objectKey}`}></object>`;
  if (text !== '') return html`<pre class="preview text" aria-label=${`Preview of ${objectKey}`}>${text}</pre>`;
  return null;
}

function Versions({ bucket, objectKey, onChanged }: { bucket: string; objectKey: string; onChanged: () => void }) {
  const [versions, setVersions] = useState<Version[]>([]);
  const [notice, setNotice] = useState('');
  const [error, run] = useAction();
  const load = () => run(async () => setVersions(await versionsOf(bucket, objectKey)));
  useEffect(() => { void load(); }, [bucket, objectKey]);
  const restore = (version: Version) => run(async () => {
    const source = `${objectPath(bucket, objectKey)}?versionId=${encodeURIComponent(version.versionId)}`;
    await s3Xml('PUT', objectPath(bucket, objectKey), { headers: { 'x-amz-copy-source': source } });
    setNotice(`Restored version ${version.versionId} as the current version.`);
    await load();
    onChanged();
  });
  const remove = (version: Version) => run(async () => {
    if (!confirm(`Delete version ${version.versionId} for good?`)) return;
    await call('DELETE', `s3/${objectPath(bucket, objectKey)}`, { query: { versionId: version.versionId } });
    await load();
    onChanged();
  });
  return html`<div class="versions"><h4>Versions</h4><${Notice} text=${notice} /><${ErrorLine} error=${error} />
    <table class="listing" id="versions-table"><thead><tr><th scope="col">Version</th><th scope="col">Size</th><th scope="col">Modified</th><th scope="col">Actions</th></tr></thead><tbody>
    ${versions.map((version) => html`<tr data-version=${version.versionId}>
      <td>${version.versionId}${version.latest ? ' (current)' : ''}${version.deleteMarker ? ' (delete marker)' : ''}</td>
      <td>${version.deleteMarker ? '' : formatBytes(version.size)}</td><td>${formatDate(version.modified)}</td>
      <td>${version.deleteMarker ? null : html`<a href=${proxyUrl(`s3/${objectPath(bucket, objectKey)}`, { versionId: version.versionId })} download>Download</a>`}
        ${version.latest || version.deleteMarker ? null : html`<button type="button" class="restore" onClick=${() => restore(version)}>Restore</button>`}
        <button type="button" class="danger" onClick=${() => remove(version)}>Delete</button></td></tr>`)}
    </tbody></table></div>`;
}

function ShareLink({ bucket, objectKey }: { bucket: string; objectKey: string }) {
  const [expiresSeconds, setExpiresSeconds] = useState(3600);
  const [url, setUrl] = useState('');
  const [error, run] = useAction();
  return html`<div class="bar"><label>Share link valid for <select value=${expiresSeconds} onChange=${(event: Event) => setExpiresSeconds(Number((event.target as HTMLSelectElement).value))}>
      ${SHARE_EXPIRIES_SECONDS.map((seconds) => html`<option value=${seconds}>${seconds / 3600} h</option>`)}</select></label>
    <button type="button" onClick=${() => run(async () => setUrl(await presign(bucket, objectKey, expiresSeconds)))}>Make share link</button>
    ${url !== '' ? html`<input class="share-url" readonly value=${url} aria-label="Share link" />` : null}<${ErrorLine} error=${error} /></div>`;
}

export function ObjectDetails({ bucket, objectKey, onChanged }: { bucket: string; objectKey: string; onChanged: () => void }) {
  const [headers, setHeaders] = useState<Array<[string, string]>>([]);
  const [tags, setTags] = useState<Array<[string, string]>>([]);
  const [error, run] = useAction();
  useEffect(() => {
    void run(async () => {
      const response = await call('HEAD', `s3/${objectPath(bucket, objectKey)}`);
      setHeaders([...response.headers].filter(([name]) => name.startsWith('x-amz-meta-') || ['content-type', 'content-length', 'etag', 'last-modified', 'x-amz-version-id', 'x-amz-storage-class'].includes(name)));
      const doc = await s3Xml('GET', objectPath(bucket, objectKey), { query: { tagging: '' } });
      setTags(elements(doc, 'Tag').map((tag) => [childText(tag, 'Key'), childText(tag, 'Value')]));
    });
  }, [bucket, objectKey]);
  const contentType = headers.find(([name]) => name === 'content-type')?.[1] ?? '';
  const remove = () => run(async () => {
    if (!confirm(`Delete ${objectKey}?`)) return;
    await call('DELETE', `s3/${objectPath(bucket, objectKey)}`);
    onChanged();
  });
  return html`<section class="details" aria-label=${`Object ${objectKey}`}><h3>${objectKey}</h3><${ErrorLine} error=${error} />
    <div class="bar"><a class="button" href=${proxyUrl(`s3/${objectPath(bucket, objectKey)}`)} download>Download</a>
      <button type="button" class="danger" onClick=${remove}>Delete</button></div>
    <${ShareLink} bucket=${bucket} objectKey=${objectKey} />
    <dl class="metadata">${headers.map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}
      ${tags.map(([name, value]) => html`<dt>tag ${name}</dt><dd>${value}</dd>`)}</dl>
    <${Preview} bucket=${bucket} objectKey=${objectKey} contentType=${contentType} />
    <${Versions} bucket=${bucket} objectKey=${objectKey} onChanged=${onChanged} />
  </section>`;
}
