// Raw TCP exchanges with a server, for what no HTTP client will send (malformed requests, idle
// connections) and for choosing the client's own address (127.0.0.2 is another client on loopback).
import { connect, type Socket } from 'node:net';

export interface RawExchange {
  /** Everything the server sent before closing (or before the timeout). */
  text: string;
  status: number | undefined;
  /** The <Code> of an S3 error document, if any. */
  errorCode: string | undefined;
  headers: Map<string, string>;
  /** The server closed the connection (rather than the timeout ending the wait). */
  closedByServer: boolean;
  elapsedMs: number;
}

export function openSocket(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends `request` (possibly nothing) and collects the answer until the server closes or `timeoutMs` passes. */
export async function exchange(port: number, request: string | Buffer, options: { timeoutMs?: number; localAddress?: string } = {}): Promise<RawExchange> {
  const startedMs = Date.now();
  const socket = await openSocket(port, options.localAddress);
  return collect(socket, request, startedMs, options.timeoutMs ?? 10_000);
}

export function collect(socket: Socket, request: string | Buffer, startedMs: number, timeoutMs: number): Promise<RawExchange> {
  return new Promise((resolve) => {
    const pieces: Buffer[] = [];
    let closedByServer = false;
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(pieces).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      const headers = new Map<string, string>();
      for (const line of text.split('\r\n\r\n', 1)[0]!.split('\r\n').slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
      }
      resolve({
        text, status: status === undefined ? undefined : Number(status), errorCode: /<Code>([^<]*)<\/Code>/.exec(text)?.[1], headers, closedByServer,
        elapsedMs: Date.now() - startedMs,
      });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      finish();
    }, timeoutMs);
    socket.on('data', (piece: Buffer) => pieces.push(piece));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      closedByServer = true;
      finish();
    });
    if (request.length > 0) socket.write(request);
  });
}
