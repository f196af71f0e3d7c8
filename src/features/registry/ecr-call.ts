// What an ECR API operation receives (the call) and throws (EcrError: an awsJson1_1 error type, a
// message, a status and any headers of its own, such as a throttled answer's Retry-After).
import type { Layers } from '../../services/objects.js';
import type { RegistryAuth } from './auth.js';
import type { PullRecorder } from './pull-records.js';

export class EcrError extends Error {
  constructor(readonly code: string, message: string, readonly status = 400, readonly headers: Readonly<Record<string, string>> = {}) {
    super(message);
  }
}

export interface EcrCall {
  layers: Layers;
  auth: RegistryAuth;
  accessKeyId: string;
  region: string;
  accountId: string;
  /** The registry's host as the client addressed it (repository URIs name it). */
  host: string;
  /** `http(s)://host` as the client addressed this server. */
  origin: string;
  /** How long a GetDownloadUrlForLayer URL is valid (the registry's --registry-redirect-expiry). */
  downloadUrlExpirySeconds: number;
  /** The length of a lifecycle policy's day (the server's lifecycle day scale). */
  lifecycleDayMs: number;
  pulls: PullRecorder;
  body: Record<string, unknown>;
  nowMs: number;
}
