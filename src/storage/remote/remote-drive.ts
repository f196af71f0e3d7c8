// A drive on a drive server (http://HOST:PORT/NAME), as a DriveIo: requests over kept-alive
// connections, each signed with the cluster secret. Opening one asks for its format, so a wrong
// secret (or a wrong name) is refused at start, not at the first write.
import { Agent, request } from 'node:http';
import type { DriveFormat } from '../drive.js';
import { StorageCorruptionError } from '../errors.js';
import type { DriveIo, RecordLocation, VolumeListing } from './drive-io.js';
import { DRIVE_NAME_PATTERN, DRIVE_REQUEST_TIMEOUT_MS, signRequest } from './protocol.js';

/** Connections kept open to one drive server, per process. */
const SOCKETS_PER_SERVER_MAX = 32;

export class RemoteDriveError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'RemoteDriveError';
  }
}

/** The drive server did not answer (refused, reset, timed out): the drive is offline, not damaged. */
export class DriveUnreachableError extends Error {
  override name = 'DriveUnreachableError';
}

/**
 * Until this time (ms) this process's host is cut off from the network (FIS's
 * cairn:host:disrupt-connectivity): every call to a drive server fails as unreachable, as it would
 * from a lost zone. Process-wide, as the host's network is.
 */
let callsCutOffUntilMs = 0;

/** Cuts this process's calls to drive servers off until `untilMs` (a past time ends a cut early). */
export function cutOffDriveServerCallsUntil(untilMs: number): void {
  callsCutOffUntilMs = untilMs;
}

/** True for a drive given as a URL rather than a directory. */
export function isRemoteDrive(location: string): boolean {
  return /^https?:\/\//.test(location);
}

export class RemoteDriveIo implements DriveIo {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: SOCKETS_PER_SERVER_MAX });
  private driveFormat: DriveFormat | undefined;

  private constructor(readonly location: string, private readonly url: URL, private readonly name: string, private readonly secret: string) {}

  /** A client of the drive, without asking the server anything yet (erasure sets inspect it first). */
  static connect(location: string, secret: string): RemoteDriveIo {
    let url: URL;
    try {
      url = new URL(location);
    } catch {
      throw new RangeError(`${location}: a remote drive is http://HOST:PORT/NAME`);
    }
    const name = url.pathname.replace(/^\/|\/$/g, '');
    if (url.protocol !== 'http:' || url.port === '' || !DRIVE_NAME_PATTERN.test(name)) throw new RangeError(`${location}: a remote drive is http://HOST:PORT/NAME`);
    return new RemoteDriveIo(location, url, name, secret);
  }

  /** HOST:PORT of the drive server: the host that host-first placement counts. */
  get host(): string {
    return this.url.host;
  }

  /** Opens the drive: refused (RemoteDriveError) when the server is unreachable, has no such drive, or the secret is wrong. */
  static async open(location: string, secret: string): Promise<RemoteDriveIo> {
    const drive = RemoteDriveIo.connect(location, secret);
    try {
      drive.driveFormat = JSON.parse((await drive.call('GET', 'format')).toString('utf8')) as DriveFormat;
    } catch (error) {
      drive.agent.destroy();
      if (error instanceof RemoteDriveError && error.status === 401) throw new RemoteDriveError(401, `${location}: refused: ${error.message}`);
      throw error;
    }
    return drive;
  }

  /** One signed request; a status other than 2xx is a RemoteDriveError, no answer at all a DriveUnreachableError. */
  call(method: string, operation: string, query = '', body: Buffer = Buffer.alloc(0)): Promise<Buffer> {
    if (Date.now() < callsCutOffUntilMs) {
      return Promise.reject(new DriveUnreachableError(`${this.location}: unreachable: this host is cut off until ${new Date(callsCutOffUntilMs).toISOString()}`));
    }
    const path = `/${this.name}/${operation}${query === '' ? '' : `?${query}`}`;
    const headers = { ...signRequest(this.secret, method, path, body), 'content-length': String(body.length) };
    return new Promise((resolve, reject) => {
      const req = request({ host: this.url.hostname, port: this.url.port, method, path, headers, agent: this.agent, timeout: DRIVE_REQUEST_TIMEOUT_MS }, (res) => {
        const pieces: Buffer[] = [];
        res.on('data', (piece: Buffer) => pieces.push(piece));
        res.on('error', (error) => reject(new DriveUnreachableError(`${this.location}: the answer broke off: ${error.message}`)));
        res.on('end', () => {
          const answer = Buffer.concat(pieces);
          if (res.statusCode! >= 200 && res.statusCode! < 300) return resolve(answer);
          let message = answer.toString('utf8');
          try {
            message = (JSON.parse(message) as { error?: string }).error ?? message;
          } catch {
            // Not the drive server's JSON: reported as received.
          }
          reject(new RemoteDriveError(res.statusCode!, `${this.location}: ${res.statusCode} ${message}`));
        });
      });
      req.on('timeout', () => req.destroy(new DriveUnreachableError(`${this.location}: no answer within ${DRIVE_REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', (error) => reject(error instanceof DriveUnreachableError ? error : new DriveUnreachableError(`${this.location}: unreachable: ${error.message}`)));
      req.end(body);
    });
  }

  async format(): Promise<DriveFormat> {
    return this.driveFormat!;
  }

  async appendRecord(recordBytes: Buffer): Promise<RecordLocation> {
    return JSON.parse((await this.call('POST', 'records', '', recordBytes)).toString('utf8')) as RecordLocation;
  }

  async readRecord(location: RecordLocation, sizeBytes: number): Promise<Buffer> {
    try {
      return await this.call('GET', 'records', `volume=${location.volumeId}&offset=${location.offsetBytes}&size=${sizeBytes}`);
    } catch (error) {
      if (error instanceof RemoteDriveError && error.status === 409) throw new StorageCorruptionError(location.volumeId, location.offsetBytes, error.message);
      throw error;
    }
  }

  async listVolumes(): Promise<VolumeListing[]> {
    return JSON.parse((await this.call('GET', 'volumes')).toString('utf8')) as VolumeListing[];
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
