// Bucket settings: versioning, and the documents S3 keeps per bucket (Object Lock, lifecycle, CORS,
// policy, public access block, event notifications, S3 Metadata) as text editors the server validates: what it refuses
// shows with its own message. And a SQL box over the metadata tables (/_cairn/sql).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, checksumHeaders, childText, objectPath, s3Xml } from './api.js';
import { ErrorLine, html, Notice, useAction } from './common.js';
import { SqlBox } from './sql.js';

interface DocumentKind { subresource: string; title: string; deletable: boolean; example: string }

const DOCUMENTS: DocumentKind[] = [
  { subresource: 'policy', title: 'Bucket policy (JSON)', deletable: true, example: '{"Version":"2012-10-17","Statement":[]}' },
  { subresource: 'lifecycle', title: 'Lifecycle (XML)', deletable: true, example: '<LifecycleConfiguration><Rule><ID>expire</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>7</Days></Expiration></Rule></LifecycleConfiguration>' },
  { subresource: 'cors', title: 'CORS (XML)', deletable: true, example: '<CORSConfiguration><CORSRule><AllowedOrigin>https://example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>' },
  { subresource: 'publicAccessBlock', title: 'Public access block (XML)', deletable: true, example: '<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>' },
  { subresource: 'object-lock', title: 'Object Lock default retention (XML)', deletable: false, example: '<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>' },
  { subresource: 'notification', title: 'Event notifications (XML)', deletable: false, example: '<NotificationConfiguration><QueueConfiguration><Id>new-objects</Id><Queue>arn:aws:sqs:us-east-1:000000000000:my-target</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>' },
  { subresource: 'metadataConfiguration', title: 'S3 Metadata configuration (XML)', deletable: true, example: '<MetadataConfiguration><JournalTableConfiguration><RecordExpiration><Expiration>DISABLED</Expiration></RecordExpiration></JournalTableConfiguration></MetadataConfiguration>' },
];

function DocumentEditor({ bucket, kind }: { bucket: string; kind: DocumentKind }) {
  const [text, setText] = useState('');
  const [notice, setNotice] = useState('');
  const [error, run] = useAction();
  const path = `s3/${objectPath(bucket).replace(/\/$/, '')}`;
  const query = { [kind.subresource]: '' };
  const load = () => run(async () => {
    setNotice('');
    try {
      setText(await (await call('GET', path, { query })).text());
    } catch (caught) {
      // Not configured yet: start from the example.
      if (caught instanceof ApiError && caught.status === 404) {
        setText(kind.example);
        setNotice(`${caught.code}: not set; an example is filled in.`);
        return;
      }
      throw caught;
    }
  });
  useEffect(() => { void load(); }, [bucket]);
  const save = () => run(async () => {
    const method = kind.subresource === 'metadataConfiguration' ? 'POST' : 'PUT';
    await call(method, path, { query, body: text, headers: await checksumHeaders(text) });
    setNotice('Saved.');
  });
  const remove = () => run(async () => {
    await call('DELETE', path, { query });
    setNotice('Deleted.');
    await load();
  });
  const id = `doc-${kind.subresource}`;
  return html`<div class="editor" data-document=${kind.subresource}><label for=${id}>${kind.title}</label>
    <textarea id=${id} rows="6" spellcheck="false" value=${text} onInput=${(event: Event) => setText((event.target as HTMLTextAreaElement).value)}></textarea>
    <div class="bar"><button type="button" class="save" onClick=${save}>Save</button><button type="button" onClick=${load}>Reload</button>
      ${kind.deletable ? html`<button type="button" class="danger" onClick=${remove}>Delete</button>` : null}</div>
    <${Notice} text=${notice} /><${ErrorLine} error=${error} /></div>`;
}

function Versioning({ bucket }: { bucket: string }) {
  const [status, setStatus] = useState('');
  const [error, run] = useAction();
  const path = objectPath(bucket).replace(/\/$/, '');
  useEffect(() => { void run(async () => setStatus(childText(await s3Xml('GET', path, { query: { versioning: '' } }), 'Status') || 'Off')); }, [bucket]);
  const change = (next: string) => run(async () => {
    const body = `<VersioningConfiguration><Status>${next}</Status></VersioningConfiguration>`;
    await s3Xml('PUT', path, { query: { versioning: '' }, body });
    setStatus(next);
  });
  return html`<div class="bar"><span>Versioning: <strong id="versioning-status">${status}</strong></span>
    <button type="button" id="versioning-enable" onClick=${() => change('Enabled')}>Enable</button>
    <button type="button" onClick=${() => change('Suspended')}>Suspend</button><${ErrorLine} error=${error} /></div>`;
}

export function BucketSettings({ bucket, isRoot }: { bucket: string; isRoot: boolean }) {
  return html`<section aria-label="Bucket settings"><h2>Settings of ${bucket}</h2>
    <${Versioning} bucket=${bucket} />
    <div class="editors">${DOCUMENTS.map((kind) => html`<${DocumentEditor} key=${`${bucket}:${kind.subresource}`} bucket=${bucket} kind=${kind} />`)}</div>
    ${isRoot ? html`<${SqlBox} />` : html`<p>The SQL box over the metadata tables is for the root identity.</p>`}
  </section>`;
}
