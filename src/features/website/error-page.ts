// The HTML pages the website endpoint answers with: S3's error page (status, Code, Message, the
// key or bucket concerned, RequestId) when the bucket has no error document, and the empty
// redirect answer.
import type { ServerResponse } from 'node:http';
import { S3Error } from '../../frontend/errors.js';
import { escapeXmlText } from '../../frontend/xml.js';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 412: 'Precondition Failed',
  416: 'Requested Range Not Satisfiable', 500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
};

function statusLine(status: number): string {
  return `${status} ${STATUS_TEXT[status] ?? 'Error'}`;
}

/** S3's website error page for `error`; HEAD gets the headers only (node drops a HEAD body). */
export function sendErrorPage(res: ServerResponse, error: S3Error, requestId: string): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  if (error.httpStatus === 304) {
    res.statusCode = 304;
    res.end();
    return;
  }
  const items = [['Code', error.code], ['Message', error.message], ...Object.entries(error.extraFields), ['RequestId', requestId]]
    .map(([name, value]) => `<li>${escapeXmlText(name!)}: ${escapeXmlText(value!)}</li>\n`).join('');
  const title = statusLine(error.httpStatus);
  const page = `<html>\n<head><title>${title}</title></head>\n<body>\n<h1>${title}</h1>\n<ul>\n${items}</ul>\n<hr/>\n</body>\n</html>\n`;
  const body = Buffer.from(page, 'utf8');
  res.statusCode = error.httpStatus;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Length', body.byteLength);
  res.end(body);
}

/** A redirect: its status and Location, no body. */
export function sendRedirect(res: ServerResponse, status: number, location: string): void {
  res.statusCode = status;
  res.setHeader('Location', location);
  res.setHeader('Content-Length', 0);
  res.end();
}
