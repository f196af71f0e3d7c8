// What every admin command shares: the --endpoint / --region / --help options, the S3 client built
// from them and the credentials in the environment, and plain-language messages for the errors a
// client of a remote server meets (unreachable, refused credentials, missing bucket).
import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { clientCredentials } from '../credentials.js';
import { CommandFailure, HelpRequested, UsageError } from './command.js';
import { IamClient } from './iam-client.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9000';
export const DEFAULT_REGION = 'us-east-1';
/** How long to wait for a TCP connection before calling the endpoint unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;
/** The SDK retries throttling, 5xx and network errors this many times in all (its default is 3). */
const REQUEST_ATTEMPTS_MAX = 3;

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

const CONNECTION_OPTIONS = {
  endpoint: { type: 'string', default: DEFAULT_ENDPOINT },
  region: { type: 'string', default: DEFAULT_REGION },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies OptionSpecs;

export const CONNECTION_OPTIONS_HELP = `connection options (every admin command):
  --endpoint URL     the server's S3 endpoint (default ${DEFAULT_ENDPOINT})
  --region REGION    the region to sign requests for (default ${DEFAULT_REGION})
  credentials come from CAIRN_ACCESS_KEY / CAIRN_SECRET_KEY, or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY`;

/**
 * node:util parseArgs with the connection options added; its errors become UsageError, and
 * --help becomes HelpRequested. `positionalNames` are the exact positional arguments (undefined: the
 * command checks them itself).
 */
export function parseCommandArgs<Options extends OptionSpecs>(args: string[], options: Options, positionalNames: string[] | undefined) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...CONNECTION_OPTIONS, ...options }, strict: true, allowPositionals: true });
  } catch (error) {
    // parseArgs's own messages are clear ("Unknown option '--x'", "Option '--to' argument is ambiguous…").
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if ((parsed.values as { help?: boolean }).help === true) throw new HelpRequested();
  if (positionalNames !== undefined && parsed.positionals.length !== positionalNames.length) {
    const expected = positionalNames.length === 0 ? 'no arguments' : positionalNames.join(' ');
    throw new UsageError(`expected ${expected}, got ${parsed.positionals.length === 0 ? 'none' : parsed.positionals.map((value) => `'${value}'`).join(' ')}`);
  }
  return parsed;
}

export interface AdminConnection {
  endpoint: string;
  region: string;
  s3: S3Client;
}

/** The S3 client for --endpoint and --region, signed with the environment's credentials. */
export function connect(values: { endpoint?: string | boolean; region?: string | boolean }, env: NodeJS.ProcessEnv): AdminConnection {
  const endpoint = String(values.endpoint ?? DEFAULT_ENDPOINT);
  const region = String(values.region ?? DEFAULT_REGION);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`--endpoint ${endpoint}: not a URL (expected e.g. ${DEFAULT_ENDPOINT})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--endpoint ${endpoint}: expected an http:// or https:// URL`);
  const credentials = clientCredentials(env);
  if (credentials === undefined) {
    throw new UsageError('no credentials: set CAIRN_ACCESS_KEY and CAIRN_SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)');
  }
  // The SDK warns on every run under Node 20 that its releases after January 2027 need Node 22. That is
  // news for whoever upgrades the SDK (package.json pins it), not for someone restoring a bucket.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const s3 = new S3Client({
    endpoint,
    region,
    credentials,
    // Path-style (http://host/bucket/key): works for every bucket name and any endpoint host.
    forcePathStyle: true,
    maxAttempts: REQUEST_ATTEMPTS_MAX,
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS },
  });
  return { endpoint, region, s3 };
}

const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
const CREDENTIAL_ERROR_CODES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden', 'RequestTimeTooSkewed']);

/** The network error code of an error (Node puts it on the error, or on each of an AggregateError's). */
function networkErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return code;
  if ((error as { name?: unknown }).name === 'TimeoutError') return 'ETIMEDOUT';
  const inner = (error as { errors?: unknown }).errors;
  return Array.isArray(inner) ? inner.map(networkErrorCode).find((found) => found !== undefined) : undefined;
}

/** The S3 error code of an SDK error (the name of an error without a body, such as a HEAD's 404). */
export function s3ErrorCode(error: unknown): string | undefined {
  return error instanceof S3ServiceException ? error.name : undefined;
}

/** True for errors that no retry of another key would escape: the server is gone or refuses us. */
export function isConnectionLevelError(error: unknown): boolean {
  const code = s3ErrorCode(error);
  return networkErrorCode(error) !== undefined || (code !== undefined && CREDENTIAL_ERROR_CODES.has(code));
}

/** One line saying what went wrong, for the user (never a stack trace). */
export function describeError(error: unknown, endpoint = 'the server'): string {
  const network = networkErrorCode(error);
  if (network !== undefined) return `cannot reach ${endpoint} (${network}); is the server running there? (--endpoint URL)`;
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode;
    if (error.name === 'InvalidAccessKeyId' || error.name === 'SignatureDoesNotMatch') {
      return `the server at ${endpoint} refused the credentials (${error.name}): check CAIRN_ACCESS_KEY / CAIRN_SECRET_KEY`;
    }
    if (error.name === 'RequestTimeTooSkewed') return `the server at ${endpoint} refused the request: this machine's clock differs from the server's by more than 15 minutes`;
    const detail = error.message !== '' && error.message !== error.name && error.message !== 'UnknownError' ? `: ${error.message}` : '';
    return `${error.name} (HTTP ${status ?? '?'})${detail}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** An error met while talking to the server, as a CommandFailure with the plain-language message. */
export function commandFailure(error: unknown, connection: AdminConnection, doing: string): Error {
  if (error instanceof CommandFailure || error instanceof UsageError) return error;
  return new CommandFailure(`${doing}: ${describeError(error, connection.endpoint)}`);
}

/**
 * The admin API client for --endpoint and --region, signed with the environment's credentials: a
 * missing credential pair or an endpoint that is not a URL is a UsageError (exit 2, nothing sent).
 */
export function connectAdmin(values: { endpoint?: string | boolean; region?: string | boolean }, env: NodeJS.ProcessEnv): IamClient {
  const endpoint = String(values.endpoint ?? DEFAULT_ENDPOINT);
  const credentials = clientCredentials(env);
  if (credentials === undefined) {
    throw new UsageError('no credentials: set CAIRN_ACCESS_KEY and CAIRN_SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)');
  }
  try {
    return new IamClient(endpoint, credentials, String(values.region ?? DEFAULT_REGION));
  } catch {
    throw new UsageError(`--endpoint ${endpoint}: not a URL (expected e.g. ${DEFAULT_ENDPOINT})`);
  }
}
