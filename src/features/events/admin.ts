// The admin API of event notifications (under /_cairn/admin/, root only):
//   POST   targets             {name, type, settings} → 201 {name, type, arn}
//   GET    targets             → {targets: [{name, type, arn, settings (secrets hidden), deadLetters, createdAt}]}
//   DELETE targets/NAME        → 204 (404 NoSuchTarget)
//   GET    events/listen?bucket=B[&prefix=P][&suffix=S][&events=E,…] → 200, newline-delimited S3 event JSON
//          for as long as the client keeps the response open (fed from the index, like the targets).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Index } from '../../index/types.js';
import type { MasterKeyring } from '../../services/encryption/master-keys.js';
import { openSettings, sealSettings } from '../../services/encryption/sealed-settings.js';
import { AdminExtensionError, type AdminExtension, type AdminExtensionRequest } from '../../frontend/admin/api.js';
import { S3_EVENT_NAMES } from './configuration.js';
import { LISTENER_ID_PREFIX } from './delivery.js';
import { eventMessage, type MessageContext } from './message.js';
import { checkTargetName, checkTargetSettings, redactedSettings, SECRET_SETTINGS, TargetInputError, targetArn } from './targets.js';

const LISTEN_POLL_INTERVAL_MS = 50;
const LISTEN_BATCH_EVENTS_MAX = 100;
/** A listener's lease: refreshed while its stream is open; one whose process died stops being fed after it. */
const LISTENER_LEASE_MS = 30_000;
const LISTENER_REFRESH_MS = 10_000;

export interface EventsAdminContext extends MessageContext {
  index: Index;
  accountId: string;
  /** Seals targets' secrets before they are stored (undefined only in tools without a keyring). */
  keys?: MasterKeyring;
}

function jsonObject(body: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Answered below.
  }
  throw new AdminExtensionError(400, 'InvalidInput', 'The request body must be a JSON object.');
}

async function createTarget(context: EventsAdminContext, body: Buffer): Promise<[number, unknown]> {
  const request = jsonObject(body);
  let checked;
  let name;
  try {
    name = checkTargetName(request['name']);
    checked = checkTargetSettings(request['type'], request['settings'] ?? {});
  } catch (error) {
    if (error instanceof TargetInputError) throw new AdminExtensionError(400, 'InvalidInput', error.message);
    throw error;
  }
  const settings = context.keys === undefined ? checked.settings : sealSettings(context.keys, name, checked.settings, SECRET_SETTINGS);
  const outcome = await context.index.createEventTarget({ name, kind: checked.kind, settings, createdAtMs: Date.now(), deadLetters: 0, delivered: 0, failedAttempts: 0 });
  if (outcome === 'exists') throw new AdminExtensionError(409, 'TargetAlreadyExists', `A target named ${name} exists already.`);
  return [201, { name, type: checked.kind, arn: targetArn(context.region, context.accountId, name) }];
}

async function listTargets(context: EventsAdminContext): Promise<[number, unknown]> {
  const targets = await context.index.listEventTargets();
  return [200, {
    targets: targets.map((target) => ({
      name: target.name, type: target.kind, arn: targetArn(context.region, context.accountId, target.name),
      settings: redactedSettings(openSettings(context.keys, target.name, target.settings)), deadLetters: target.deadLetters, delivered: target.delivered, failedAttempts: target.failedAttempts, createdAt: new Date(target.createdAtMs).toISOString(),
    })),
  }];
}

function listenFilter(query: URLSearchParams): { bucket: string; prefix?: string; suffix?: string; events: string[] } {
  const bucket = query.get('bucket');
  if (bucket === null || bucket === '') throw new AdminExtensionError(400, 'InvalidInput', 'Name the bucket: ?bucket=NAME.');
  const events = (query.get('events') ?? '').split(',').filter((name) => name !== '');
  for (const name of events) {
    if (!S3_EVENT_NAMES.has(name)) throw new AdminExtensionError(400, 'InvalidArgument', `The event is not supported for notifications: ${name}`);
  }
  return { bucket, prefix: query.get('prefix') ?? undefined, suffix: query.get('suffix') ?? undefined, events };
}

/** Streams the bucket's events as NDJSON until the client goes away. */
async function listen(context: EventsAdminContext, request: AdminExtensionRequest): Promise<'streamed'> {
  const filter = listenFilter(request.query);
  if ((await context.index.getBucket(filter.bucket)) === undefined) throw new AdminExtensionError(404, 'NoSuchBucket', `The bucket ${filter.bucket} does not exist.`);
  const id = `${LISTENER_ID_PREFIX}${randomUUID()}`;
  const { res } = request;
  let open = true;
  res.on('close', () => {
    open = false;
  });
  await context.index.putEventListener({ id, ...filter, expiresAtMs: Date.now() + LISTENER_LEASE_MS });
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
  // The headers go out at once, so the client knows the listener is registered.
  res.flushHeaders();
  let refreshedAtMs = Date.now();
  try {
    while (open) {
      const events = await context.index.readEventQueue(id, LISTEN_BATCH_EVENTS_MAX);
      if (events.length > 0) {
        res.write(events.map((event) => `${eventMessage(event, context)}\n`).join(''));
        await context.index.acknowledgeEvents(id, events.map((event) => event.id));
        continue;
      }
      if (Date.now() - refreshedAtMs >= LISTENER_REFRESH_MS) {
        refreshedAtMs = Date.now();
        await context.index.putEventListener({ id, ...filter, expiresAtMs: refreshedAtMs + LISTENER_LEASE_MS });
      }
      await sleep(LISTEN_POLL_INTERVAL_MS);
    }
  } finally {
    await context.index.deleteEventListener(id);
    res.end();
  }
  return 'streamed';
}

export function eventsAdmin(context: EventsAdminContext): AdminExtension {
  return async (request) => {
    const [collection, name, ...rest] = request.segments;
    if (collection === 'targets' && name === undefined) {
      if (request.method === 'POST') return createTarget(context, request.body);
      if (request.method === 'GET') return listTargets(context);
      throw new AdminExtensionError(405, 'MethodNotAllowed', 'The method is not allowed on this resource.');
    }
    if (collection === 'targets' && rest.length === 0) {
      if (request.method !== 'DELETE') throw new AdminExtensionError(405, 'MethodNotAllowed', 'The method is not allowed on this resource.');
      if (!(await context.index.deleteEventTarget(name!))) throw new AdminExtensionError(404, 'NoSuchTarget', `No target named ${name}.`);
      return [204, undefined];
    }
    if (collection === 'events' && name === 'listen' && rest.length === 0) {
      if (request.method !== 'GET') throw new AdminExtensionError(405, 'MethodNotAllowed', 'The method is not allowed on this resource.');
      return listen(context, request);
    }
    return undefined;
  };
}
