// Writing responses in S3's wire format: XML bodies, error documents, empty successes.
import type { ServerResponse } from 'node:http';
import { S3Error } from './errors.js';
import { node, xmlDocument } from './xml.js';

/** Sends an XML document, as a string or already encoded (xmlDocumentBytes). */
export function sendXml(res: ServerResponse, statusCode: number, document: string | Buffer): void {
  const body = typeof document === 'string' ? Buffer.from(document, 'utf8') : document;
  res.statusCode = statusCode;
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', body.byteLength);
  res.end(body);
}

export function sendEmpty(res: ServerResponse, statusCode: number, headers: Record<string, string> = {}): void {
  res.statusCode = statusCode;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Length', 0);
  res.end();
}

/**
 * S3's error document. HEAD responses carry no body (node drops it), and 304 carries neither body
 * nor content headers, as HTTP requires.
 */
export function sendError(res: ServerResponse, error: S3Error, requestId: string, resource: string): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  if (error.httpStatus === 304) {
    res.statusCode = 304;
    res.end();
    return;
  }
  const fields = Object.entries(error.extraFields).map(([name, value]) => node(name, value));
  const document = xmlDocument(
    'Error',
    [node('Code', error.code), node('Message', error.message), ...fields, node('Resource', resource), node('RequestId', requestId)],
    null,
  );
  sendXml(res, error.httpStatus, document);
}

/** Resolves when the response can take more bytes, or when the client has gone away. */
export function waitForDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Writes `chunk` and resolves once the socket has taken all of it (the kernel has the bytes, so the
 * buffer may be filled again), or once the client has gone away (then the buffer must not be
 * reused: a write may still be pending on it).
 */
export function writeAndFlush(res: ServerResponse, chunk: Buffer): Promise<'flushed' | 'closed'> {
  return new Promise((resolve) => {
    const closed = () => resolve('closed');
    res.once('close', closed);
    res.write(chunk, (error) => {
      res.off('close', closed);
      resolve(error === undefined || error === null ? 'flushed' : 'closed');
    });
  });
}
