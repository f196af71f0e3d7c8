// A drive server (`cairn drive serve DIR… --address HOST:PORT`): serves local drive directories to
// the cluster over HTTP, each as /NAME (the directory's base name). Every request is authenticated
// with the cluster secret (protocol.ts) before anything is read or written. The operations are in
// docs/drive-server.md ("Protocol"); each drive is a ServedDrive (served-drive.ts). A host cut off
// (disruptUntil) resets every connection until its deadline: front ends see its drives offline.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import type { DriveSetMembership } from '../drive.js';
import { StorageCorruptionError } from '../errors.js';
import { VolumeNotSealedError } from '../volume-files.js';
import { createConnectionCut } from '../../util/connection-cut.js';
import { DriveStateError, ServedDrive } from './served-drive.js';
import {
  DRIVE_NAME_PATTERN, DRIVE_REQUEST_BODY_BYTES_MAX, DRIVE_SERVER_CONNECTIONS_MAX, DRIVE_SERVER_DRIVES_MAX, DRIVE_SESSION_PATTERN,
  DRIVE_SESSION_SWEEP_INTERVAL_MS, HEADER_BODY_SHA256, sha256Hex, signatureProblem,
} from './protocol.js';

class DriveRequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface DriveServer {
  address: AddressInfo;
  drives: string[];
  /** Until `untilMs`, every connection is dropped and every new one refused (a host cut off: FIS's cairn:host:disrupt-connectivity). */
  disruptUntil(untilMs: number): void;
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

function sessionOf(query: URLSearchParams): string {
  const session = query.get('session') ?? '';
  if (session !== '' && !DRIVE_SESSION_PATTERN.test(session)) throw new DriveRequestError(400, 'session must be 8–64 of A–Z a–z 0–9 -');
  return session;
}

function boundedSize(query: URLSearchParams): number {
  const size = wholeNumber(query, 'size');
  if (size > DRIVE_REQUEST_BODY_BYTES_MAX) throw new DriveRequestError(400, `size is at most ${DRIVE_REQUEST_BODY_BYTES_MAX}`);
  return size;
}

function formatRequestOf(body: Buffer): { set: DriveSetMembership | undefined; replacing: boolean } {
  let parsed: { set?: DriveSetMembership; replacing?: unknown };
  try {
    parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
  } catch {
    throw new DriveRequestError(400, 'the body is not JSON');
  }
  const set = parsed.set;
  if (set !== undefined && (typeof set.id !== 'string' || !Number.isSafeInteger(set.driveIndex) || !Number.isSafeInteger(set.driveCount) || set.driveIndex < 0 || set.driveIndex >= set.driveCount)) {
    throw new DriveRequestError(400, 'set must be {id, driveIndex, driveCount}');
  }
  return { set: set === undefined ? undefined : { id: set.id, driveIndex: set.driveIndex, driveCount: set.driveCount }, replacing: parsed.replacing === true };
}

type Handler = (drive: ServedDrive, query: URLSearchParams, body: Buffer) => Promise<[number, unknown]>;

const ROUTES: Record<string, Handler> = {
  'GET format': async (drive) => {
    const { inspection } = await drive.inspect('');
    if (inspection.kind !== 'formatted') throw new DriveStateError('the drive is not formatted yet');
    return [200, inspection.format];
  },
  'GET inspect': async (drive, query) => [200, await drive.inspect(sessionOf(query))],
  'POST format': async (drive, _query, body) => {
    const { set, replacing } = formatRequestOf(body);
    return [201, await drive.initialise(set, replacing)];
  },
  'POST records': async (drive, query, body) => [201, await drive.append(sessionOf(query), body, query.get('lease') === '1')],
  'POST release': async (drive, query) => {
    drive.release(sessionOf(query), wholeNumber(query, 'volume'), wholeNumber(query, 'count'));
    return [200, {}];
  },
  'GET records': async (drive, query) => [200, await drive.readRecord(wholeNumber(query, 'volume'), wholeNumber(query, 'offset'), boundedSize(query))],
  'PUT records': async (drive, query, body) => {
    await drive.rewriteRecord(wholeNumber(query, 'volume'), wholeNumber(query, 'offset'), body);
    return [200, {}];
  },
  'GET bytes': async (drive, query) => [200, await drive.readVolumeBytes(wholeNumber(query, 'volume'), wholeNumber(query, 'offset'), boundedSize(query))],
  'GET volumes': async (drive) => [200, await drive.listVolumeFiles()],
  'POST mark': async (drive, query) => {
    await drive.markUnreferenced(wholeNumber(query, 'volume'), wholeNumber(query, 'since'));
    return [200, {}];
  },
  'POST unmark': async (drive, query) => {
    await drive.unmarkUnreferenced(wholeNumber(query, 'volume'));
    return [200, {}];
  },
  'POST delete': async (drive, query) => {
    await drive.deleteSealedVolume(wholeNumber(query, 'volume'));
    return [200, {}];
  },
  'POST healed': async (drive) => {
    await drive.markHealed();
    return [200, {}];
  },
};

async function route(drive: ServedDrive, method: string, operation: string, query: URLSearchParams, req: IncomingMessage): Promise<[number, unknown]> {
  const body = await readBody(req);
  const handler = ROUTES[`${method} ${operation}`];
  if (handler === undefined) throw new DriveRequestError(404, `no operation ${method} ${operation}`);
  try {
    return await handler(drive, query, body);
  } catch (error) {
    if (error instanceof RangeError) throw new DriveRequestError(400, error.message);
    if (error instanceof DriveStateError || error instanceof VolumeNotSealedError) throw new DriveRequestError(412, error.message);
    throw error;
  }
}

export async function startDriveServer(options: { directories: string[]; host: string; port: number; secret: string; log: (line: string) => void; volumeSizeBytesMax?: number }): Promise<DriveServer> {
  if (options.directories.length === 0 || options.directories.length > DRIVE_SERVER_DRIVES_MAX) throw new RangeError(`a drive server serves 1 to ${DRIVE_SERVER_DRIVES_MAX} drives`);
  const drives = new Map<string, ServedDrive>();
  for (const directory of options.directories) {
    const name = basename(directory);
    if (!DRIVE_NAME_PATTERN.test(name) || drives.has(name)) throw new RangeError(`drive directory ${directory}: its name must be unique and 1–64 of A–Z a–z 0–9 . _ -`);
    drives.set(name, await ServedDrive.open(directory, options.log, options.volumeSizeBytesMax));
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
  const cut = createConnectionCut();
  cut.attach(server);
  const sweeper = setInterval(() => {
    for (const drive of drives.values()) void drive.sweep().catch((error: Error) => options.log(`drive server: session sweep: ${error.message}`));
  }, DRIVE_SESSION_SWEEP_INTERVAL_MS);
  sweeper.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    address: server.address() as AddressInfo,
    drives: [...drives.keys()],
    disruptUntil: cut.disruptUntil,
    async close() {
      clearInterval(sweeper);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const drive of drives.values()) await drive.close();
    },
  };
}
