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

/** True for a drive given as a URL rather than a directory. */
export function isRemoteDrive(location: string): boolean {
  return /^https?:\/\//.test(location);
}

export class RemoteDriveIo implements DriveIo {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: SOCKETS_PER_SERVER_MAX });
  private driveFormat: DriveFormat | undefined;

  private constructor(readonly location: string, private readonly url: URL, private readonly name: string, private readonly secret: string) {}

  /** Opens the drive: refused (RemoteDriveError) when the server is unreachable, has no such drive, or the secret is wrong. */
  static async open(location: string, secret: string): Promise<RemoteDriveIo> {
    const url = new URL(location);
    const name = url.pathname.replace(/^\/|\/$/g, '');
    if (url.protocol !== 'http:' || !DRIVE_NAME_PATTERN.test(name)) throw new RangeError(`${location}: a remote drive is http://HOST:PORT/NAME`);
    const drive = new RemoteDriveIo(location, url, name, secret);
    try {
      drive.driveFormat = JSON.parse((await drive.call('GET', 'format')).toString('utf8')) as DriveFormat;
    } catch (error) {
      drive.agent.destroy();
      if (error instanceof RemoteDriveError && error.status === 401) throw new RemoteDriveError(401, `${location}: refused: ${error.message}`);
      throw error;
    }
    return drive;
  }

  private call(method: string, operation: string, query = '', body: Buffer = Buffer.alloc(0)): Promise<Buffer> {
    const path = `/${this.name}/${operation}${query === '' ? '' : `?${query}`}`;
    const headers = { ...signRequest(this.secret, method, path, body), 'content-length': String(body.length) };
    return new Promise((resolve, reject) => {
      const req = request({ host: this.url.hostname, port: this.url.port, method, path, headers, agent: this.agent, timeout: DRIVE_REQUEST_TIMEOUT_MS }, (res) => {
        const pieces: Buffer[] = [];
        res.on('data', (piece: Buffer) => pieces.push(piece));
        res.on('error', reject);
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
      req.on('timeout', () => req.destroy(new Error(`${this.location}: no answer within ${DRIVE_REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
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
