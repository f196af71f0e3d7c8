// The Tables view: table buckets → their namespaces → their tables, each with its Iceberg metadata
// location, read through the S3 Tables API as the logged-in identity.
import { useEffect, useState } from 'preact/hooks';
import { ErrorLine, formatDate, html, useAction } from './common.js';
import { tablesJson } from './service-json.js';

interface TableBucket { arn: string; name: string; createdAt: string }
interface TableSummary { name: string; namespace: string[]; type: string; modifiedAt: string }
interface Namespace { namespace: string[]; createdAt: string }

function TableRow({ bucketArn, table }: { bucketArn: string; table: TableSummary }) {
  const [location, setLocation] = useState('');
  const [error, run] = useAction();
  useEffect(() => {
    void run(async () => {
      const path = `tables/${encodeURIComponent(bucketArn)}/${encodeURIComponent(table.namespace[0]!)}/${encodeURIComponent(table.name)}/metadata-location`;
      setLocation((await tablesJson<{ metadataLocation?: string }>(path)).metadataLocation ?? '(none yet)');
    });
  }, [bucketArn, table.name]);
  return html`<tr data-table=${table.name}><td>${table.name}</td><td>${table.type}</td><td>${formatDate(table.modifiedAt)}</td>
    <td class="metadata-location">${location}<${ErrorLine} error=${error} /></td></tr>`;
}

function NamespaceTables({ bucketArn, namespace }: { bucketArn: string; namespace: string }) {
  const [tables, setTables] = useState<TableSummary[]>([]);
  const [error, run] = useAction();
  useEffect(() => {
    void run(async () => setTables((await tablesJson<{ tables: TableSummary[] }>(`tables/${encodeURIComponent(bucketArn)}`, { namespace })).tables));
  }, [bucketArn, namespace]);
  return html`<div class="namespace" data-namespace=${namespace}><h4>Namespace ${namespace}</h4><${ErrorLine} error=${error} />
    <table><thead><tr><th>Table</th><th>Type</th><th>Modified</th><th>Metadata location</th></tr></thead>
    <tbody>${tables.map((table) => html`<${TableRow} key=${table.name} bucketArn=${bucketArn} table=${table} />`)}</tbody></table></div>`;
}

function BucketNamespaces({ bucket }: { bucket: TableBucket }) {
  const [namespaces, setNamespaces] = useState<Namespace[]>([]);
  const [error, run] = useAction();
  useEffect(() => {
    void run(async () => setNamespaces((await tablesJson<{ namespaces: Namespace[] }>(`namespaces/${encodeURIComponent(bucket.arn)}`)).namespaces));
  }, [bucket.arn]);
  return html`<div class="table-bucket" data-table-bucket=${bucket.name}><h3>${bucket.name}</h3><p class="arn">${bucket.arn}</p><${ErrorLine} error=${error} />
    ${namespaces.map((entry) => html`<${NamespaceTables} key=${entry.namespace[0]} bucketArn=${bucket.arn} namespace=${entry.namespace[0]} />`)}</div>`;
}

export function TablesView() {
  const [buckets, setBuckets] = useState<TableBucket[]>([]);
  // Bumped by each load, so that Refresh reads every bucket's namespaces and tables again too.
  const [generation, setGeneration] = useState(0);
  const [error, run] = useAction();
  const load = () => run(async () => {
    setBuckets((await tablesJson<{ tableBuckets: TableBucket[] }>('buckets')).tableBuckets);
    setGeneration((value) => value + 1);
  });
  useEffect(() => { void load(); }, []);
  return html`<section aria-label="Tables"><h2>Table buckets</h2><div class="bar"><button type="button" onClick=${load}>Refresh</button></div>
    <${ErrorLine} error=${error} />${buckets.length === 0 && error === '' ? html`<p>No table buckets.</p>` : null}
    ${buckets.map((bucket) => html`<${BucketNamespaces} key=${`${bucket.arn}:${generation}`} bucket=${bucket} />`)}</section>`;
}
