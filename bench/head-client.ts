// HEAD requests over keep-alive connections. undici closes the connection after every HEAD (to
// survive servers that wrongly send a body), which would make HEAD measure TCP connection setup;
// this tiny HTTP/1.1 client keeps its C connections open instead. A HEAD answer is a status line
// and headers only, so parsing ends at the blank line.
import { connect, type Socket } from 'node:net';

const HEADER_END = '\r\n\r\n';
const CONNECTION_CLOSE = /\r\nconnection:[ \t]*close/i;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})/;

export interface HeadOutcome {
  statusCode: number;
  error?: Error;
  /** The response head, for failures. */
  head?: string;
}

interface PendingHead {
  resolve(outcome: HeadOutcome): void;
}

class HeadConnection {
  readonly socket: Socket;
  private received = '';
  private pending: PendingHead | undefined;
  dead = false;

  constructor(host: string, port: number, private readonly onDead: (connection: HeadConnection) => void) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.setEncoding('latin1');
    this.socket.on('data', (text: string) => this.onData(text));
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => this.fail(new Error('connection closed')));
  }

  send(requestText: string, pending: PendingHead): void {
    this.pending = pending;
    this.socket.write(requestText, 'latin1');
  }

  private onData(text: string): void {
    if (this.pending === undefined) {
      // Bytes nobody asked for (a body after a HEAD answer): this connection can't be trusted.
      this.retire();
      return;
    }
    this.received += text;
    const end = this.received.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.received.slice(0, end);
    this.received = this.received.slice(end + HEADER_END.length);
    const pending = this.pending;
    this.pending = undefined;
    const statusCode = Number(STATUS_LINE.exec(head)?.[1] ?? 0);
    if (CONNECTION_CLOSE.test(head) || this.received.length > 0) this.retire();
    pending.resolve({ statusCode, head: statusCode >= 200 && statusCode < 300 ? undefined : head });
  }

  private fail(error: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    this.retire();
    pending?.resolve({ statusCode: 0, error });
  }

  private retire(): void {
    if (this.dead) return;
    this.dead = true;
    this.socket.destroy();
    this.onDead(this);
  }
}

/** Up to `maxConnections` keep-alive connections; requests beyond that wait for a free one. */
export class HeadConnectionPool {
  private readonly idle: HeadConnection[] = [];
  private readonly waiting: Array<(connection: HeadConnection) => void> = [];
  private open = 0;
  private closed = false;

  constructor(private readonly host: string, private readonly port: number, private readonly maxConnections: number) {}

  /** `pathAndQuery` as on the wire; `headers` a flat [name, value, …] list. */
  async head(pathAndQuery: string, headers: string[]): Promise<HeadOutcome> {
    let requestText = `HEAD ${pathAndQuery} HTTP/1.1\r\n`;
    for (let index = 0; index < headers.length; index += 2) requestText += `${headers[index]}: ${headers[index + 1]}\r\n`;
    requestText += '\r\n';
    const connection = await this.acquire();
    const outcome = await new Promise<HeadOutcome>((resolve) => connection.send(requestText, { resolve }));
    if (!connection.dead) this.release(connection);
    return outcome;
  }

  close(): void {
    this.closed = true;
    for (const connection of this.idle.splice(0)) connection.socket.destroy();
  }

  private acquire(): Promise<HeadConnection> {
    for (let connection = this.idle.pop(); connection !== undefined; connection = this.idle.pop()) {
      if (!connection.dead) return Promise.resolve(connection);
    }
    if (this.open < this.maxConnections) return Promise.resolve(this.connectOne());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private connectOne(): HeadConnection {
    this.open += 1;
    return new HeadConnection(this.host, this.port, () => {
      this.open -= 1;
      // A waiter whose connection died gets a fresh one.
      const waiter = this.waiting.shift();
      if (waiter !== undefined && !this.closed) waiter(this.connectOne());
    });
  }

  private release(connection: HeadConnection): void {
    if (this.closed) {
      connection.socket.destroy();
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter !== undefined) waiter(connection);
    else this.idle.push(connection);
  }
}
