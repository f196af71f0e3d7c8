// OCI image layouts of any shape, written by hand for skopeo (`oci:DIR:TAG`) and for raw pushes:
// images of several gzipped layers, multi-platform indexes, and artifacts with a subject. Every
// blob is kept in memory too, so a test can push it over HTTP and compare what comes back.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tarArchive } from './oci-layout.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string };
  annotations?: Record<string, string>;
  artifactType?: string;
}

export function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export class OciImages {
  /** Every blob and manifest, digest → bytes. */
  readonly blobs = new Map<string, Buffer>();
  private readonly tags: Array<{ tag: string; descriptor: Descriptor }> = [];

  blob(bytes: Buffer, mediaType: string): Descriptor {
    const digest = digestOf(bytes);
    this.blobs.set(digest, bytes);
    return { mediaType, digest, size: bytes.byteLength };
  }

  /** A gzipped tar layer of one file. */
  layer(name: string, content: Buffer): Descriptor {
    return this.blob(gzipSync(tarArchive([{ name, content }])), OCI_LAYER);
  }

  /** An image manifest over `layers` (with a config naming `platform`). */
  image(layers: Descriptor[], platform = { architecture: 'amd64', os: 'linux' }, extra: { subject?: Descriptor; artifactType?: string; annotations?: Record<string, string> } = {}): Descriptor {
    const config = this.blob(Buffer.from(JSON.stringify({ ...platform, config: {}, rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest) } })), OCI_CONFIG);
    const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, ...(extra.artifactType === undefined ? {} : { artifactType: extra.artifactType }), config, layers, ...(extra.subject === undefined ? {} : { subject: extra.subject }), ...(extra.annotations === undefined ? {} : { annotations: extra.annotations }) };
    return { ...this.blob(Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST), platform };
  }

  /** An artifact: an empty config of its own type, one blob, and a subject. */
  artifact(artifactType: string, content: Buffer, subject: Descriptor, annotations: Record<string, string>): Descriptor {
    const config = this.blob(Buffer.from('{}'), 'application/vnd.oci.empty.v1+json');
    const layer = this.blob(content, 'application/octet-stream');
    const { platform: _platform, ...subjectDescriptor } = subject;
    const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType, config, layers: [layer], subject: subjectDescriptor, annotations };
    return this.blob(Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);
  }

  index(manifests: Descriptor[]): Descriptor {
    return this.blob(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests })), OCI_INDEX);
  }

  tag(tag: string, descriptor: Descriptor): void {
    this.tags.push({ tag, descriptor });
  }

  /** Writes the layout (every blob, and index.json naming the tags) under `directory`. */
  write(directory: string): void {
    mkdirSync(join(directory, 'blobs', 'sha256'), { recursive: true });
    for (const [digest, bytes] of this.blobs) writeFileSync(join(directory, 'blobs', 'sha256', digest.slice('sha256:'.length)), bytes);
    writeFileSync(join(directory, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const manifests = this.tags.map(({ tag, descriptor }) => ({ ...descriptor, annotations: { 'org.opencontainers.image.ref.name': tag } }));
    writeFileSync(join(directory, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
  }
}
