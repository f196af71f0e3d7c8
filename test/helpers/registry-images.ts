// Pushing whole OCI images over /v2/ for tests: every blob of an OciImages set a manifest names,
// then the manifest (by tag, or by digest when untagged), with a pause so that push times differ.
import assert from 'node:assert/strict';
import type { Descriptor, OciImages } from './oci-images.js';
import { pushBlob, pushManifest } from './registry-client.js';
import type { RunningServer } from './server.js';

/** Between two pushes, so that each image's push time (in ms) is its own. */
const PUSH_GAP_MS = 5;

/** Pushes `descriptor` (an image, artifact or index) and the blobs it names that `images` holds. */
export async function pushImage(server: RunningServer, repository: string, images: OciImages, descriptor: Descriptor, tag?: string): Promise<void> {
  const bytes = images.blobs.get(descriptor.digest)!;
  const manifest = JSON.parse(bytes.toString('utf8')) as { config?: Descriptor; layers?: Descriptor[] };
  for (const blob of [manifest.config, ...(manifest.layers ?? [])]) {
    if (blob === undefined) continue;
    assert.equal((await pushBlob(server, repository, blob.digest, images.blobs.get(blob.digest)!)).status, 201);
  }
  assert.equal((await pushManifest(server, repository, tag ?? descriptor.digest, bytes, descriptor.mediaType)).status, 201);
  await new Promise((wake) => setTimeout(wake, PUSH_GAP_MS));
}
