// encoding-type=url in listings: the parameter, and the names it encodes.
import type { RequestContext } from '../context.js';
import { S3Error } from '../errors.js';

export function parseEncodingType(context: RequestContext): 'url' | undefined {
  const value = context.query.get('encoding-type');
  if (value === null) return undefined;
  if (value.toLowerCase() !== 'url') {
    throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', {
      extraFields: { ArgumentName: 'encoding-type', ArgumentValue: value },
    });
  }
  return 'url';
}

/** encoding-type=url: S3 percent-encodes names but leaves '/' readable. */
export function urlEncodeName(name: string): string {
  return encodeURIComponent(name).replace(/%2F/g, '/');
}
