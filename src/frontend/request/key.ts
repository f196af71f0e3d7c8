// The longest object key S3 accepts.
import { KEY_LENGTH_BYTES_MAX } from '../../limits.js';
import { utf8ByteLength } from '../../util/utf8.js';
import { S3Error } from '../errors.js';

export function assertKeyLength(key: string): void {
  if (utf8ByteLength(key) > KEY_LENGTH_BYTES_MAX) {
    throw new S3Error('KeyTooLongError', undefined, {
      extraFields: { Size: String(utf8ByteLength(key)), MaxSizeAllowed: String(KEY_LENGTH_BYTES_MAX) },
    });
  }
}
