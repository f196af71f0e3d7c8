// Answers given before a request reaches its operation, all in S3's error format with a request id:
// what node:http's parser refuses on its own (malformed requests, oversized headers, unknown
// Expect), and declared body lengths no request may carry (checked before any timer is armed).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { PUT_OBJECT_SIZE_BYTES_MAX, REQUEST_HEADERS_SIZE_BYTES_MAX } from '../limits.js';
import { newRequestId } from '../util/ids.js';
import { S3Error } from './errors.js';
import { sendError } from './respond.js';
import { node, xmlDocument } from './xml.js';

/** The largest delay setTimeout accepts (2^31 - 1 ms); longer ones fire at once with a warning. */
export const TIMER_DELAY_MS_MAX = 2 ** 31 - 1;
/** A declared length has at most this many digits (5 GiB has 10); longer ones are not lengths S3 takes. */
const LENGTH_DIGITS_MAX = 16;

interface EarlyError { status: number; reason: string; code: string; message: string; extraFields?: Record<string, string> }

const BAD_REQUEST: EarlyError = { status: 400, reason: 'Bad Request', code: 'BadRequest', message: 'An error occurred when parsing the HTTP request.' };

/** What S3 answers for each of node:http's parser errors (by err.code); anything else is BadRequest. */
function earlyErrorFor(errorCode: string | undefined): EarlyError {
  switch (errorCode) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 400, reason: 'Bad Request', code: 'RequestHeaderSectionTooLarge', message: 'Your request header section exceeds the maximum allowed size.',
        extraFields: { MaxSizeAllowed: String(REQUEST_HEADERS_SIZE_BYTES_MAX) },
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'HPE_HEADERS_TIMEOUT':
      return { status: 400, reason: 'Bad Request', code: 'RequestTimeout', message: 'Your socket connection to the server was not read from or written to within the timeout period.' };
    default:
      return BAD_REQUEST;
  }
}

/**
 * The server's 'clientError' hook: node:http would answer a bare 400/431 (or nothing); this writes
 * S3's XML error with a request id on the raw socket, then closes it (the parser cannot go on).
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex, log: (line: string) => void): void {
  // A reset or an already closed socket has nobody to answer.
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const early = earlyErrorFor(error.code);
  const requestId = newRequestId();
  const fields = Object.entries(early.extraFields ?? {}).map(([name, value]) => node(name, value));
  const body = Buffer.from(xmlDocument('Error', [node('Code', early.code), node('Message', early.message), ...fields, node('RequestId', requestId)], null), 'utf8');
  const head = [
    `HTTP/1.1 ${early.status} ${early.reason}`,
    'Content-Type: application/xml',
    `Content-Length: ${body.byteLength}`,
    `x-amz-request-id: ${requestId}`,
    `x-amz-id-2: ${randomBytes(24).toString('base64')}`,
    'Server: Cairn',
    'Connection: close',
    '', '',
  ].join('\r\n');
  log(`request ${requestId}: refused by the HTTP parser (${error.code ?? error.message}): ${early.status} ${early.code}`);
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
}

/** Sets the headers every answer carries and sends `error`; the connection closes (the body is unread). */
export function answerEarly(req: IncomingMessage, res: ServerResponse, error: S3Error): void {
  const requestId = newRequestId();
  res.setHeader('x-amz-request-id', requestId);
  res.setHeader('x-amz-id-2', randomBytes(24).toString('base64'));
  res.setHeader('Server', 'Cairn');
  res.setHeader('Connection', 'close');
  sendError(res, error, requestId, (req.url ?? '/').split('?', 1)[0]!);
}

/** The server's 'checkExpectation' hook: any Expect but 100-continue gets S3's 417 document. */
export function answerUnknownExpectation(req: IncomingMessage, res: ServerResponse): void {
  const requestId = newRequestId();
  const body = Buffer.from(xmlDocument('Error', [
    node('Code', 'ExpectationFailed'), node('Message', 'Cairn only supports Expect: 100-continue.'),
    node('Resource', (req.url ?? '/').split('?', 1)[0]!), node('RequestId', requestId),
  ], null), 'utf8');
  res.writeHead(417, {
    'Content-Type': 'application/xml', 'Content-Length': body.byteLength, 'x-amz-request-id': requestId,
    'x-amz-id-2': randomBytes(24).toString('base64'), Server: 'Cairn', Connection: 'close',
  });
  res.end(body);
}

/**
 * The body length a request declares (x-amz-decoded-content-length for aws-chunked bodies, else
 * Content-Length), or an S3Error when it is not a length or is larger than any single request may
 * carry (S3: 5 GiB). Checked before anything is armed or read.
 */
export function declaredBodyBytes(req: IncomingMessage): number | S3Error {
  let declaredBytes = 0;
  for (const name of ['content-length', 'x-amz-decoded-content-length'] as const) {
    const value = req.headers[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !/^\d+$/.test(value)) {
      return new S3Error('InvalidArgument', `${name} is not a valid length.`, { extraFields: { ArgumentName: name, ArgumentValue: String(value).slice(0, 64) } });
    }
    const bytes = value.length > LENGTH_DIGITS_MAX ? Number.POSITIVE_INFINITY : Number(value);
    if (bytes > PUT_OBJECT_SIZE_BYTES_MAX) {
      return new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
        extraFields: { ProposedSize: value.slice(0, LENGTH_DIGITS_MAX + 8), MaxSizeAllowed: String(PUT_OBJECT_SIZE_BYTES_MAX) },
      });
    }
    if (name === 'x-amz-decoded-content-length' || declaredBytes === 0) declaredBytes = bytes;
  }
  return declaredBytes;
}
