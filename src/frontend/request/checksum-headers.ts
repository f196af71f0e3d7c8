// The x-amz-checksum-* response headers of a stored checksum.
import type { StoredChecksum } from '../../index/types.js';
import { CHECKSUM_HEADER_BY_ALGORITHM } from '../checksums.js';

export function checksumResponseHeaders(checksum: StoredChecksum | undefined): Record<string, string> {
  if (checksum === undefined) return {};
  return { [CHECKSUM_HEADER_BY_ALGORITHM[checksum.algorithm]]: checksum.valueBase64, 'x-amz-checksum-type': checksum.type };
}
