// multipart/form-data for browser uploads (POST Object), parsed as a stream by @fastify/busboy.
// The fields before the file part are kept (bounded by S3's 20 KB pre-file limit); the file part
// streams to the caller; whatever follows it is parsed only to check the form is well-formed and
// carries one file, and is otherwise ignored, as S3 ignores every field after the file.
import { Busboy, type BusboyFileStream, type BusboyInstance } from '@fastify/busboy';
import type { IncomingMessage } from 'node:http';
import { POST_FORM_PRE_FILE_BYTES_MAX } from '../limits.js';
import { S3Error } from './errors.js';

/** Fields a form may hold (before and after the file together); 20 KB of fields cannot hold more. */
const FORM_FIELDS_MAX = 1000;
/** Header lines of one part (Content-Disposition, Content-Type, and a few a browser may add). */
const FORM_PART_HEADER_PAIRS_MAX = 16;
const FORM_PART_HEADER_SIZE_BYTES_MAX = 8 * 1024;
/** A refused form's unread body is read and discarded up to this much, so the client sees the answer. */
export const REFUSED_BODY_DRAIN_BYTES_MAX = 16 * 1024 * 1024;
export const REFUSED_BODY_DRAIN_TIMEOUT_MS = 10_000;
/** S3 names the file part `file` (in any case); a part with a filename but another name is a field. */
const FILE_FIELD_NAME = 'file';

export interface FormField {
  /** As sent (S3 matches names without regard to case). */
  name: string;
  value: string;
}

export interface FormFile {
  data: BusboyFileStream;
  /** The filename parameter without any directory part; undefined when the part has none. */
  filename: string | undefined;
}

export interface FormUntilFile {
  /** The fields before the file part, in order. */
  fields: FormField[];
  /** Undefined when the form ended without a file part. */
  file: FormFile | undefined;
}

export interface OpenForm {
  /**
   * Resolves once the file part starts (or the form ends without one); rejects with an S3Error
   * when the form is malformed before it or its pre-file data is over S3's limit.
   */
  untilFile: Promise<FormUntilFile>;
  /**
   * Resolves once the whole body is parsed after the file; rejects with an S3Error when the form is
   * malformed, carries a second file, or the client stops sending. Await it only after the file.
   */
  finished: Promise<void>;
  /** Stops parsing and reads what is left of the body (bounded), so a refusal reaches the client. */
  abandon(): Promise<void>;
}

const MULTIPART_FORM_DATA_PATTERN = /^multipart\/form-data\s*(;|$)/i;

function notMultipart(): S3Error {
  return new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
    extraFields: { Condition: 'Bucket POST must be of the enclosure-type multipart/form-data' },
  });
}

export function malformedForm(): S3Error {
  return new S3Error('MalformedPOSTRequest');
}

export function preFileDataTooLarge(): S3Error {
  return new S3Error('MaxPostPreDataLengthExceeded', undefined, {
    extraFields: { MaxPostPreDataLengthBytes: String(POST_FORM_PRE_FILE_BYTES_MAX) },
  });
}

export function oneFileRequired(fileCount: number): S3Error {
  return new S3Error('InvalidArgument', 'POST requires exactly one file upload per request.', {
    extraFields: { ArgumentName: 'file', ArgumentValue: String(fileCount) },
  });
}

function createParser(req: IncomingMessage): BusboyInstance {
  const contentType = req.headers['content-type'];
  if (contentType === undefined || !MULTIPART_FORM_DATA_PATTERN.test(contentType)) throw notMultipart();
  try {
    return Busboy({
      headers: { ...req.headers, 'content-type': contentType },
      isPartAFile: (fieldName) => fieldName?.toLowerCase() === FILE_FIELD_NAME,
      limits: {
        // One byte over the limit marks a field truncated, which is how an oversized one is seen.
        fieldSize: POST_FORM_PRE_FILE_BYTES_MAX + 1,
        fields: FORM_FIELDS_MAX,
        files: 1,
        headerPairs: FORM_PART_HEADER_PAIRS_MAX,
        headerSize: FORM_PART_HEADER_SIZE_BYTES_MAX,
      },
    });
  } catch {
    // busboy refuses a multipart Content-Type without a boundary.
    throw malformedForm();
  }
}

/** Starts parsing `req` as a form; throws (S3Error) at once when it is not multipart/form-data. */
export function openForm(req: IncomingMessage): OpenForm {
  return new StreamingForm(req, createParser(req));
}

/** Feeds the request to the parser by hand, so the bytes before the file part can be counted. */
class StreamingForm implements OpenForm {
  readonly untilFile: Promise<FormUntilFile>;
  readonly finished: Promise<void>;
  private readonly fields: FormField[] = [];
  private file: FormFile | undefined;
  private preFileBytes = 0;
  private fieldBytes = 0;
  private failure: S3Error | undefined;
  private detached = false;
  private settleUntilFile: (error?: S3Error) => void = () => {};
  private settleFinished: (error?: S3Error) => void = () => {};

  constructor(private readonly req: IncomingMessage, private readonly parser: BusboyInstance) {
    this.untilFile = new Promise<FormUntilFile>((resolve, reject) => {
      this.settleUntilFile = (error) => (error === undefined ? resolve({ fields: this.fields, file: this.file }) : reject(error));
    });
    this.finished = new Promise<void>((resolve, reject) => {
      this.settleFinished = (error) => (error === undefined ? resolve() : reject(error));
    });
    // Nobody awaits `finished` when the upload is refused before its file: that is not a crash.
    this.finished.catch(() => {});
    parser.on('field', this.onField);
    parser.on('fieldsLimit', () => {
      if (this.file === undefined) this.fail(preFileDataTooLarge());
    });
    parser.on('file', this.onFile);
    parser.on('filesLimit', () => this.fail(oneFileRequired(2)));
    parser.on('error', () => this.fail(malformedForm()));
    parser.on('finish', () => {
      if (this.failure !== undefined) return;
      if (this.file === undefined) this.settleUntilFile();
      this.settleFinished();
    });
    parser.on('drain', () => {
      if (!this.detached) req.resume();
    });
    req.on('data', this.onData);
    req.once('end', this.onEnd);
    req.once('close', () => {
      if (!req.complete) this.fail(new S3Error('IncompleteBody'));
    });
  }

  private fail(error: S3Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    if (this.file === undefined) this.settleUntilFile(error);
    else if (!this.file.data.readableEnded) this.file.data.destroy(error);
    this.settleFinished(error);
  }

  private readonly onField = (name: string | undefined, value: string, _nameTruncated: boolean, valueTruncated: boolean): void => {
    if (this.file !== undefined) return;
    this.fieldBytes += Buffer.byteLength(name ?? '') + Buffer.byteLength(value);
    if (valueTruncated || this.fieldBytes > POST_FORM_PRE_FILE_BYTES_MAX) return this.fail(preFileDataTooLarge());
    if (name !== undefined) this.fields.push({ name, value });
  };

  private readonly onFile = (_name: string, data: BusboyFileStream, filename: string | undefined): void => {
    // The reader sees a failure through its iteration; with no reader (a refused upload) it must
    // not become an unhandled 'error' event, which would end the process.
    data.on('error', () => {});
    this.file = { data, filename };
    this.settleUntilFile();
  };

  private readonly onData = (chunk: Buffer): void => {
    if (this.failure !== undefined) return;
    const beforeFile = this.file === undefined;
    if (!this.parser.write(chunk)) this.req.pause();
    if (!beforeFile) return;
    this.preFileBytes += chunk.byteLength;
    // The parser consumes a chunk synchronously: no file part yet means every byte so far was
    // fields and boundaries, which S3 limits.
    if (this.file === undefined && this.preFileBytes > POST_FORM_PRE_FILE_BYTES_MAX) this.fail(preFileDataTooLarge());
  };

  private readonly onEnd = (): void => {
    this.parser.end();
  };

  async abandon(): Promise<void> {
    if (this.detached) return;
    this.detached = true;
    this.req.off('data', this.onData);
    this.req.off('end', this.onEnd);
    this.file?.data.destroy();
    this.parser.destroy();
    await drainRequest(this.req, REFUSED_BODY_DRAIN_BYTES_MAX, REFUSED_BODY_DRAIN_TIMEOUT_MS);
  }
}

/**
 * Reads and discards the rest of a request body, up to `bytesMax` or `timeoutMs`, so a client still
 * sending can read the error it gets; past either bound the connection is closed instead.
 */
export function drainRequest(req: IncomingMessage, bytesMax: number, timeoutMs: number): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let drainedBytes = 0;
    const done = (): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', done);
      req.off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      drainedBytes += chunk.byteLength;
      if (drainedBytes > bytesMax) {
        req.pause();
        done();
      }
    };
    const timer = setTimeout(() => {
      req.pause();
      done();
    }, timeoutMs);
    req.on('data', onData);
    req.once('end', done);
    req.once('close', done);
    req.resume();
  });
}
