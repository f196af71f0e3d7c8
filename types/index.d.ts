// The types of the package entry (`import { startCairn } from 'cairn'`), written by hand so the
// package ships no compiler output of its internals; test/embed/public-types.ts fails to compile if
// they drift from src/cli/embed/.

export interface CairnCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface StartCairnOptions {
  /** Buckets created at start, and created again (empty, default settings) by every reset(). */
  buckets?: readonly string[];
  /** Default us-east-1. */
  region?: string;
  /** The root key pair; default: generated for this server. (CAIRN_ACCESS_KEY/CAIRN_SECRET_KEY in the environment win, as for `cairn server`.) */
  credentials?: CairnCredentials;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Length of a lifecycle "day" in seconds (default 86400): short days make lifecycle rules act in tests. */
  lifecycleDaySeconds?: number;
  /** Host names under which `<bucket>.<domain>` is the bucket's static website (default: none). */
  websiteDomains?: string[];
  /** Run the server in a child process (`cairn server --ephemeral`) instead of this one. */
  childProcess?: boolean;
  /**
   * Switch, off by default: the `buckets` accept requests without credentials (an open public access
   * block and a bucket policy allowing s3:* to everyone, as S3 itself would need), for clients or
   * test doubles that cannot sign. Signed requests are still checked; other buckets stay private.
   */
  publicBuckets?: boolean;
  /**
   * Receives each line the server logs (start-up, background work, internal faults with their request
   * ids). Default: the lines are dropped, so a test run stays quiet; `log: console.error` shows them.
   */
  log?: (line: string) => void;
  /**
   * Switch, off by default: S3 requests are accepted whatever their signature's value (SigV4 headers, presigned
   * URLs, aws-chunked chunk signatures, SigV2), for clients that sign with made-up credentials. A key Cairn
   * knows still acts as its owner (its policies apply); any other key acts as root. Malformed or expired
   * signatures, clock skew and unsigned requests are treated as always.
   */
  acceptAnySignature?: boolean;
}

export interface RunningCairn {
  /** http://127.0.0.1:PORT — give it to the S3 client with forcePathStyle: true. */
  endpoint: string;
  region: string;
  credentials: CairnCredentials;
  /** The temporary data directory (removed by stop()). */
  dataDirectory: string;
  /** Stops serving (in-flight requests finish) and removes the data directory. */
  stop(): Promise<void>;
  /** Removes every bucket and everything in it, then creates the `buckets` of the options again. */
  reset(): Promise<void>;
}

/** Starts an embedded server; resolves once it accepts connections. */
export declare function startCairn(options?: StartCairnOptions): Promise<RunningCairn>;

/** Something reset() could not remove: a version under COMPLIANCE retention or a legal hold. */
export declare class ResetRefusedError extends Error {
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  constructor(bucket: string, key: string, versionId: string, reason: string);
}

/** A bucket name S3 would refuse, given to startCairn's `buckets` option. */
export declare class InvalidBucketOptionError extends Error {
  constructor(name: string, problem: string);
}
