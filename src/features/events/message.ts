// The message a target receives: AWS's S3 event JSON (a Records[] of one record, eventVersion 2.1)
// for a queued change, or S3's s3:TestEvent document for a configuration just saved. The sequencer
// is the change's sequence in the index, so a redelivery carries the same one.
import { TEST_EVENT_NAME, type QueuedEvent } from '../../index/types.js';

/** S3 event messages are at most this size; a larger one is never sent (it is a dead letter). */
export const EVENT_MESSAGE_BYTES_MAX = 64 * 1024;
const SEQUENCER_HEX_DIGITS = 16;

export interface MessageContext {
  region: string;
  /** The canonical id of the bucket owner (bucket.ownerIdentity.principalId). */
  ownerId: string;
}

/** The sequencer: hexadecimal, fixed width, so later events of a key compare greater as strings too. */
export function sequencerOf(event: Pick<QueuedEvent, 'changeSequence'>): string {
  return event.changeSequence.toString(16).toUpperCase().padStart(SEQUENCER_HEX_DIGITS, '0');
}

/** A key as S3 event messages carry it: URL-encoded, a space as "+". */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+');
}

function testEvent(event: QueuedEvent): object {
  return {
    Service: 'Amazon S3', Event: TEST_EVENT_NAME, Time: new Date(event.eventTimeMs).toISOString(), Bucket: event.bucket,
    RequestId: event.requestId ?? '', HostId: 'cairn',
  };
}

/** What a restore's Completed event adds (AWS's glacierEventData): when the copy expires, the class it came from. */
function glacierEventData(event: QueuedEvent): object {
  if (event.restoreExpiryMs === undefined) return {};
  return {
    glacierEventData: {
      restoreEventData: {
        lifecycleRestorationExpiryTime: new Date(event.restoreExpiryMs).toISOString(),
        lifecycleRestoreStorageClass: event.restoreStorageClass ?? '',
      },
    },
  };
}

export function eventRecord(event: QueuedEvent, context: MessageContext): object {
  const sized = /^(ObjectCreated|ObjectTagging|ObjectRestore):/.test(event.eventName);
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: context.region,
    eventTime: new Date(event.eventTimeMs).toISOString(),
    eventName: event.eventName,
    userIdentity: { principalId: event.requester ?? '' },
    requestParameters: { sourceIPAddress: event.sourceIpAddress ?? '' },
    responseElements: { 'x-amz-request-id': event.requestId ?? '', 'x-amz-id-2': 'cairn' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: event.configurationId,
      bucket: { name: event.bucket, ownerIdentity: { principalId: context.ownerId }, arn: `arn:aws:s3:::${event.bucket}` },
      object: {
        key: encodeEventKey(event.key),
        ...(sized ? { size: event.sizeBytes ?? 0, eTag: event.etag ?? '' } : {}),
        ...(event.versionId !== undefined ? { versionId: event.versionId } : {}),
        sequencer: sequencerOf(event),
      },
    },
    ...glacierEventData(event),
  };
}

/** The JSON text sent for a queued event; throws when it would exceed the message size limit. */
export function eventMessage(event: QueuedEvent, context: MessageContext): string {
  const body = JSON.stringify(event.eventName === TEST_EVENT_NAME ? testEvent(event) : { Records: [eventRecord(event, context)] });
  if (Buffer.byteLength(body) > EVENT_MESSAGE_BYTES_MAX) throw new Error(`event ${event.id}: the message is over ${EVENT_MESSAGE_BYTES_MAX} bytes`);
  return body;
}
