// Multipart uploads in progress in a bucket: list them, abort one.
import { useEffect, useState } from 'preact/hooks';
import { call, childText, elements, objectPath, s3Xml } from './api.js';
import { ErrorLine, formatDate, html, useAction } from './common.js';

interface Upload { key: string; uploadId: string; initiated: string }

export function UploadsInProgress({ bucket }: { bucket: string }) {
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [error, run] = useAction();
  const load = () => run(async () => {
    const doc = await s3Xml('GET', objectPath(bucket).replace(/\/$/, ''), { query: { uploads: '' } });
    setUploads(elements(doc, 'Upload').map((element) => ({ key: childText(element, 'Key'), uploadId: childText(element, 'UploadId'), initiated: childText(element, 'Initiated') })));
  });
  useEffect(() => { void load(); }, [bucket]);
  const abort = (upload: Upload) => run(async () => {
    await call('DELETE', `s3/${objectPath(bucket, upload.key)}`, { query: { uploadId: upload.uploadId } });
    await load();
  });
  return html`<details class="uploads"><summary>Multipart uploads in progress (${uploads.length})</summary>
    <button type="button" onClick=${load}>Refresh</button><${ErrorLine} error=${error} />
    <table class="listing"><thead><tr><th scope="col">Key</th><th scope="col">Upload id</th><th scope="col">Started</th><th scope="col">Action</th></tr></thead><tbody>
    ${uploads.map((upload) => html`<tr><td>${upload.key}</td><td>${upload.uploadId}</td><td>${formatDate(upload.initiated)}</td>
      <td><button type="button" class="danger" onClick=${() => abort(upload)}>Abort</button></td></tr>`)}
    </tbody></table></details>`;
}
