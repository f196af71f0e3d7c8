// How many object versions a walk over the index will meet (delete markers excluded; a multipart
// object counts once): the total of the audit's and the heal's progress bars.

import type { Layers } from './objects.js';

/** Versions read from the index per query. */
const COUNT_PAGE_VERSIONS = 200;

export async function countObjectVersions(layers: Layers): Promise<number> {
  let total = 0;
  for (const bucket of await layers.index.listBuckets()) {
    let after: { key: string; dataId: string } | undefined;
    for (;;) {
      const page = await layers.index.scanVersions({ bucket: bucket.name, fromKey: '', after, limit: COUNT_PAGE_VERSIONS });
      total += page.filter((version) => !version.isDeleteMarker).length;
      if (page.length < COUNT_PAGE_VERSIONS) break;
      after = { key: page.at(-1)!.key, dataId: page.at(-1)!.dataId };
    }
  }
  return total;
}
