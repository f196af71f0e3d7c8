// The registry's `cairn server` flags: their definitions for parseArgs, their help text, and their
// parsing into RegistryOptions (defaults are the named constants of the modules they tune).
import { DEFAULT_REGISTRY_GC_GRACE_MS, DEFAULT_REGISTRY_GC_INTERVAL_MS, DEFAULT_REGISTRY_UPLOAD_IDLE_MS } from './collector.js';
import type { RegistryOptions } from './setup.js';
import { DEFAULT_ACCOUNT_REQUESTS_PER_SECOND, DEFAULT_REPOSITORY_REQUESTS_PER_SECOND } from './throttle.js';

/** A presigned blob URL is used at once by the client that was redirected: a minute is plenty. */
export const DEFAULT_REDIRECT_EXPIRY_SECONDS = 60;
/** SigV4 presigned URLs live at most seven days. */
const REDIRECT_EXPIRY_SECONDS_MAX = 7 * 24 * 60 * 60;

export const REGISTRY_FLAGS = {
  'registry-redirect': { type: 'string', default: 'on' },
  'registry-redirect-expiry': { type: 'string', default: String(DEFAULT_REDIRECT_EXPIRY_SECONDS) },
  'registry-rate': { type: 'string', default: `${DEFAULT_ACCOUNT_REQUESTS_PER_SECOND},${DEFAULT_REPOSITORY_REQUESTS_PER_SECOND}` },
  'registry-gc-grace': { type: 'string', default: String(DEFAULT_REGISTRY_GC_GRACE_MS / 1000) },
  'registry-gc-interval': { type: 'string', default: String(DEFAULT_REGISTRY_GC_INTERVAL_MS / 1000) },
  'registry-upload-idle': { type: 'string', default: String(DEFAULT_REGISTRY_UPLOAD_IDLE_MS / 1000) },
} as const;

export const REGISTRY_HELP = `      Container registry (OCI distribution at /v2/): --registry-redirect on|off: blob GETs answer 307 to a presigned
          S3 URL (default on) or stream the blob; --registry-redirect-expiry SECONDS (default ${DEFAULT_REDIRECT_EXPIRY_SECONDS});
          --registry-rate ACCOUNT,REPOSITORY: requests per second per caller and per repository (default
          ${DEFAULT_ACCOUNT_REQUESTS_PER_SECOND},${DEFAULT_REPOSITORY_REQUESTS_PER_SECOND}); --registry-gc-grace SECONDS: unreferenced blobs are kept this long (default ${DEFAULT_REGISTRY_GC_GRACE_MS / 1000});
          --registry-gc-interval SECONDS (default ${DEFAULT_REGISTRY_GC_INTERVAL_MS / 1000}); --registry-upload-idle SECONDS: idle upload sessions end (default ${DEFAULT_REGISTRY_UPLOAD_IDLE_MS / 1000}).
`;

type FlagValues = { [Name in keyof typeof REGISTRY_FLAGS]: string };

function positiveSeconds(name: string, text: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--${name} ${text}: expected a positive number of seconds`);
  return seconds;
}

/** The options of a server started without registry flags (startCairn, tests). */
export function defaultRegistryOptions(): RegistryOptions {
  const values = Object.fromEntries(Object.entries(REGISTRY_FLAGS).map(([name, flag]) => [name, flag.default])) as FlagValues;
  return parseRegistryOptions(values);
}

export function parseRegistryOptions(values: FlagValues): RegistryOptions {
  const redirectText = values['registry-redirect'];
  if (redirectText !== 'on' && redirectText !== 'off') throw new Error(`--registry-redirect ${redirectText}: expected on or off`);
  const redirectExpirySeconds = Number(values['registry-redirect-expiry']);
  if (!Number.isInteger(redirectExpirySeconds) || redirectExpirySeconds < 1 || redirectExpirySeconds > REDIRECT_EXPIRY_SECONDS_MAX) {
    throw new Error(`--registry-redirect-expiry ${values['registry-redirect-expiry']}: expected whole seconds from 1 to ${REDIRECT_EXPIRY_SECONDS_MAX}`);
  }
  const rates = values['registry-rate'].split(',').map(Number);
  if (rates.length !== 2 || rates.some((rate) => !Number.isFinite(rate) || rate <= 0)) {
    throw new Error(`--registry-rate ${values['registry-rate']}: expected ACCOUNT,REPOSITORY requests per second`);
  }
  return {
    redirect: redirectText === 'on',
    redirectExpirySeconds,
    rates: { accountRequestsPerSecond: rates[0]!, repositoryRequestsPerSecond: rates[1]! },
    collector: {
      graceMs: positiveSeconds('registry-gc-grace', values['registry-gc-grace']) * 1000,
      intervalMs: positiveSeconds('registry-gc-interval', values['registry-gc-interval']) * 1000,
      uploadIdleMs: positiveSeconds('registry-upload-idle', values['registry-upload-idle']) * 1000,
    },
  };
}
