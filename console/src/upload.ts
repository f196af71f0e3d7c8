// Uploads with progress: one PUT for a small file, multipart above MULTIPART_THRESHOLD_BYTES (parts of
// PART_SIZE_BYTES, one at a time). XMLHttpRequest, because fetch() reports no upload progress. The
// upload id and the parts done are kept in localStorage, so the same file picked again after a
// reload continues where it stopped (ListParts says what the server already has).
import { ApiError, elements, childText, errorOf, objectPath, proxyUrl, s3Xml } from './api.js';

export const MULTIPART_THRESHOLD_BYTES = 8 * 1024 * 1024;
export const PART_SIZE_BYTES = 5 * 1024 * 1024;
const RESUME_KEY_PREFIX = 'cairn-upload:';

let csrf = '';
export function setUploadCsrf(token: string): void {
  csrf = token;
}

function put(url: string, body: Blob, onProgress: (loadedBytes: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.setRequestHeader('x-cairn-csrf', csrf);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = async () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve(xhr.getResponseHeader('etag') ?? '');
      reject(await errorOf(new Response(xhr.responseText, { status: xhr.status })));
    };
    xhr.onerror = () => reject(new ApiError(0, 'NetworkError', 'The upload was interrupted.'));
    xhr.send(body);
  });
}

interface Resume { uploadId: string }

function resumeKey(bucket: string, key: string, file: File): string {
  return `${RESUME_KEY_PREFIX}${bucket}/${key}:${file.size}:${file.lastModified}`;
}

async function partsDone(bucket: string, key: string, uploadId: string): Promise<Map<number, string>> {
  const done = new Map<number, string>();
  try {
    const doc = await s3Xml('GET', objectPath(bucket, key), { query: { uploadId } });
    for (const part of elements(doc, 'Part')) done.set(Number(childText(part, 'PartNumber')), childText(part, 'ETag'));
  } catch {
    // The upload is gone (aborted or completed): start again.
  }
  return done;
}

async function startUpload(bucket: string, key: string, file: File): Promise<string> {
  const doc = await s3Xml('POST', objectPath(bucket, key), { query: { uploads: '' }, headers: { 'content-type': file.type || 'application/octet-stream' } });
  return childText(doc, 'UploadId');
}

async function multipart(bucket: string, key: string, file: File, onProgress: (doneBytes: number) => void): Promise<void> {
  const storageKey = resumeKey(bucket, key, file);
  const saved = localStorage.getItem(storageKey);
  let uploadId = saved === null ? '' : (JSON.parse(saved) as Resume).uploadId;
  let done = uploadId === '' ? new Map<number, string>() : await partsDone(bucket, key, uploadId);
  if (uploadId === '' || done.size === 0) {
    uploadId = await startUpload(bucket, key, file);
    done = new Map();
    localStorage.setItem(storageKey, JSON.stringify({ uploadId }));
  }
  const partCount = Math.ceil(file.size / PART_SIZE_BYTES);
  let doneBytes = [...done.keys()].reduce((sum, number) => sum + Math.min(PART_SIZE_BYTES, file.size - (number - 1) * PART_SIZE_BYTES), 0);
  onProgress(doneBytes);
  for (let number = 1; number <= partCount; number += 1) {
    if (done.has(number)) continue;
    const start = (number - 1) * PART_SIZE_BYTES;
    const blob = file.slice(start, Math.min(file.size, start + PART_SIZE_BYTES));
    const url = proxyUrl(`s3/${objectPath(bucket, key)}`, { partNumber: String(number), uploadId });
    const etag = await put(url, blob, (loaded) => onProgress(doneBytes + loaded));
    done.set(number, etag);
    doneBytes += blob.size;
  }
  const parts = [...done].sort(([a], [b]) => a - b).map(([number, etag]) => `<Part><PartNumber>${number}</PartNumber><ETag>${etag}</ETag></Part>`);
  const body = `<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>`;
  await s3Xml('POST', objectPath(bucket, key), { query: { uploadId }, body });
  localStorage.removeItem(storageKey);
}

/** Uploads `file` as `key`, reporting the fraction done (0…1). */
export async function upload(bucket: string, key: string, file: File, onFraction: (fraction: number) => void): Promise<void> {
  const total = Math.max(1, file.size);
  const report = (doneBytes: number) => onFraction(Math.min(1, doneBytes / total));
  if (file.size <= MULTIPART_THRESHOLD_BYTES) {
    await put(proxyUrl(`s3/${objectPath(bucket, key)}`), file, report);
  } else {
    await multipart(bucket, key, file, report);
  }
  onFraction(1);
}
