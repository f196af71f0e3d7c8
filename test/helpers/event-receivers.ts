// Test-owned event receivers: a webhook (node:http) that checks each body's HMAC signature and can be
// told to answer 503 or to be slow, and a wait for a receiver to have collected a number of messages.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface S3EventRecord {
  eventVersion: string; eventSource: string; awsRegion: string; eventTime: string; eventName: string;
  userIdentity: { principalId: string }; requestParameters: { sourceIPAddress: string };
  s3: { configurationId: string; bucket: { name: string; arn: string }; object: { key: string; size?: number; eTag?: string; versionId?: string; sequencer: string } };
}

export interface ReceivedMessage {
  body: string;
  parsed: { Records?: S3EventRecord[]; Event?: string; Bucket?: string };
}

export interface WebhookReceiver {
  url: string;
  messages: ReceivedMessage[];
  badSignatures: number;
  /** Answer 503 to every request while true. */
  failing: boolean;
  delayMs: number;
  close(): Promise<void>;
}

export async function startWebhook(secret: string, token: string): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = { url: '', messages: [], badSignatures: 0, failing: false, delayMs: 0, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const pieces: Buffer[] = [];
    req.on('data', (piece: Buffer) => pieces.push(piece));
    req.on('end', () => {
      void (async () => {
        if (receiver.delayMs > 0) await sleep(receiver.delayMs);
        if (receiver.failing) {
          res.writeHead(503).end();
          return;
        }
        const body = Buffer.concat(pieces).toString('utf8');
        const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
        if (req.headers['x-cairn-signature'] !== expected || req.headers['authorization'] !== `Bearer ${token}`) {
          receiver.badSignatures += 1;
          res.writeHead(401).end();
          return;
        }
        receiver.messages.push({ body, parsed: JSON.parse(body) as ReceivedMessage['parsed'] });
        res.writeHead(204).end();
      })();
    });
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = () => new Promise((resolveClose) => {
    server.closeAllConnections();
    server.close(() => resolveClose());
  });
  return receiver;
}

/** Waits until `count()` reaches `expected` (or the time is up), then returns the count. */
export async function waitForCount(count: () => number | Promise<number>, expected: number, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let current = await count();
  while (current < expected && Date.now() < deadline) {
    await sleep(50);
    current = await count();
  }
  return current;
}

/** The records of S3 event messages (test events left out), in arrival order. */
export function recordsOf(messages: ReceivedMessage[]): S3EventRecord[] {
  return messages.flatMap((message) => message.parsed.Records ?? []);
}
