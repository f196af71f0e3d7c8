// A drive server (`cairn drive serve DIR… --address HOST:PORT`): serves local drive directories to
// the cluster over HTTP, each as /NAME (the directory's base name). Every request is authenticated
// with the cluster secret (protocol.ts) before anything is read or written.
//   GET  /NAME/format                                the drive's format.json
//   POST /NAME/records                               body: one encoded record → 201 {volumeId, offsetBytes}, once durable
//   GET  /NAME/records?volume=V&offset=O&size=S      the record's bytes, verified (409 when damaged)
//   GET  /NAME/volumes                               [{volumeId, sizeBytes}]
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { StorageCorruptionError } from '../errors.js';
import { LocalDriveIo } from './drive-io.js';
import {
  DRIVE_NAME_PATTERN, DRIVE_REQUEST_BODY_BYTES_MAX, DRIVE_SERVER_CONNECTIONS_MAX, DRIVE_SERVER_DRIVES_MAX, HEADER_BODY_SHA256, sha256Hex, signatureProblem,
} from './protocol.js';

class DriveRequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface DriveServer {
  address: AddressInfo;
  drives: string[];
  close(): Promise<void>;
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (!Number.isSafeInteger(declared) || declared > DRIVE_REQUEST_BODY_BYTES_MAX) throw new DriveRequestError(413, `a body is at most ${DRIVE_REQUEST_BODY_BYTES_MAX} bytes`);
  const pieces: Buffer[] = [];
  let received = 0;
  for await (const piece of req as AsyncIterable<Buffer>) {
    received += piece.length;
    if (received > DRIVE_REQUEST_BODY_BYTES_MAX) throw new DriveRequestError(413, `a body is at most ${DRIVE_REQUEST_BODY_BYTES_MAX} bytes`);
    pieces.push(piece);
  }
  const body = Buffer.concat(pieces);
  if (sha256Hex(body) !== req.headers[HEADER_BODY_SHA256]) throw new DriveRequestError(400, 'the body does not match its signed digest');
  return body;
}

function wholeNumber(query: URLSearchParams, name: string): number {
  const text = query.get(name);
  if (text === null || !/^\d{1,15}$/.test(text)) throw new DriveRequestError(400, `${name} must be a whole number`);
  return Number(text);
}

async function route(drive: LocalDriveIo, method: string, operation: string, query: URLSearchParams, req: IncomingMessage): Promise<[number, unknown]> {
  const body = await readBody(req);
  if (method === 'GET' && operation === 'format') return [200, await drive.format()];
  if (method === 'GET' && operation === 'volumes') return [200, await drive.listVolumes()];
  if (method === 'POST' && operation === 'records') {
    try {
      return [201, await drive.appendRecord(body)];
    } catch (error) {
      if (error instanceof RangeError) throw new DriveRequestError(400, error.message);
      throw error;
    }
  }
  if (method === 'GET' && operation === 'records') {
    const size = wholeNumber(query, 'size');
    if (size > DRIVE_REQUEST_BODY_BYTES_MAX) throw new DriveRequestError(400, `size is at most ${DRIVE_REQUEST_BODY_BYTES_MAX}`);
    return [200, await drive.readRecord({ volumeId: wholeNumber(query, 'volume'), offsetBytes: wholeNumber(query, 'offset') }, size)];
  }
  throw new DriveRequestError(404, `no operation ${method} ${operation}`);
}

export async function startDriveServer(options: { directories: string[]; host: string; port: number; secret: string; log: (line: string) => void }): Promise<DriveServer> {
  if (options.directories.length === 0 || options.directories.length > DRIVE_SERVER_DRIVES_MAX) throw new RangeError(`a drive server serves 1 to ${DRIVE_SERVER_DRIVES_MAX} drives`);
  const drives = new Map<string, LocalDriveIo>();
  for (const directory of options.directories) {
    const name = basename(directory);
    if (!DRIVE_NAME_PATTERN.test(name) || drives.has(name)) throw new RangeError(`drive directory ${directory}: its name must be unique and 1–64 of A–Z a–z 0–9 . _ -`);
    drives.set(name, await LocalDriveIo.open(directory, options.log));
  }
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://drive');
    const problem = signatureProblem(options.secret, req.method ?? 'GET', url.pathname + url.search, req.headers);
    if (problem !== null) throw new DriveRequestError(401, problem);
    const [, name, operation] = url.pathname.split('/');
    const drive = drives.get(name ?? '');
    if (drive === undefined) throw new DriveRequestError(404, `no drive ${name}`);
    const [status, body] = await route(drive, req.method ?? 'GET', operation ?? '', url.searchParams, req);
    answer(res, status, body);
  };
  const server: Server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    handle(req, res).catch((error: Error) => {
      const status = error instanceof DriveRequestError ? error.status : error instanceof StorageCorruptionError ? 409 : 500;
      if (status === 500) options.log(`drive server: ${req.method} ${req.url}: ${error.message}`);
      // Refused before the body was read: the connection cannot carry another request.
      if (status === 401 || status === 413) res.setHeader('connection', 'close');
      if (!res.headersSent) answer(res, status, { error: error.message });
    });
  });
  server.maxConnections = DRIVE_SERVER_CONNECTIONS_MAX;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    address: server.address() as AddressInfo,
    drives: [...drives.keys()],
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const drive of drives.values()) await drive.close();
    },
  };
}
