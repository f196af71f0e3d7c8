// A small OCI image layout written by hand (no container tooling): one gzipped layer tarball, its
// config and manifest, and the index that names it by tag, as skopeo reads `oci:DIR:TAG`.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const TAR_BLOCK_BYTES = 512;
const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';

export interface LayoutFile {
  name: string;
  content: Buffer;
}

function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A ustar header: name, mode, owner, size and time as octal text, then the header's own checksum. */
function tarHeader(name: string, sizeBytes: number): Buffer {
  const header = Buffer.alloc(TAR_BLOCK_BYTES);
  const field = (text: string, offset: number, length: number) => header.write(text.slice(0, length), offset, length, 'ascii');
  field(name, 0, 100);
  field('0000644\0', 100, 8);
  field('0000000\0', 108, 8);
  field('0000000\0', 116, 8);
  field(`${sizeBytes.toString(8).padStart(11, '0')}\0`, 124, 12);
  field(`${Math.floor(Date.UTC(2024, 0, 1) / 1000).toString(8).padStart(11, '0')}\0`, 136, 12);
  field('        ', 148, 8);
  field('0', 156, 1);
  field('ustar\0', 257, 6);
  field('00', 263, 2);
  let checksum = 0;
  for (const byte of header) checksum += byte;
  field(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return header;
}

/** A tar archive of `files`, ending with the two zero blocks. */
export function tarArchive(files: LayoutFile[]): Buffer {
  const pieces: Buffer[] = [];
  for (const file of files) {
    pieces.push(tarHeader(file.name, file.content.byteLength), file.content);
    const padding = (TAR_BLOCK_BYTES - (file.content.byteLength % TAR_BLOCK_BYTES)) % TAR_BLOCK_BYTES;
    pieces.push(Buffer.alloc(padding));
  }
  pieces.push(Buffer.alloc(2 * TAR_BLOCK_BYTES));
  return Buffer.concat(pieces);
}

function writeBlob(directory: string, content: Buffer): { digest: string; size: number } {
  const hex = sha256Hex(content);
  writeFileSync(join(directory, 'blobs', 'sha256', hex), content);
  return { digest: `sha256:${hex}`, size: content.byteLength };
}

/** Writes an OCI layout of one image (`files` as its only layer) under `directory`, tagged `tag`. */
export function writeOciLayout(directory: string, tag: string, files: LayoutFile[]): { manifestDigest: string } {
  mkdirSync(join(directory, 'blobs', 'sha256'), { recursive: true });
  const tar = tarArchive(files);
  const layer = writeBlob(directory, gzipSync(tar));
  const config = writeBlob(directory, Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: {},
    rootfs: { type: 'layers', diff_ids: [`sha256:${sha256Hex(tar)}`] },
  })));
  const manifest = writeBlob(directory, Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
  })));
  writeFileSync(join(directory, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(directory, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: MANIFEST_MEDIA_TYPE, ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } }],
  }));
  return { manifestDigest: manifest.digest };
}

/** Every blob of a layout, digest hex → bytes. */
export function readBlobs(directory: string): Map<string, Buffer> {
  const blobs = new Map<string, Buffer>();
  const root = join(directory, 'blobs', 'sha256');
  for (const name of readdirSync(root)) blobs.set(name, readFileSync(join(root, name)));
  return blobs;
}
