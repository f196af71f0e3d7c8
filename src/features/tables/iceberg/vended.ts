// Vended credentials (X-Iceberg-Access-Delegation: vended-credentials): loadTable and createTable
// hand the client temporary S3 credentials for the table's location alone, valid a short named
// lifetime: reads when the caller may s3tables:GetTableData on the table, writes too when it may
// s3tables:PutTableData (services/iam/session-credentials.ts makes and checks them).
import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../../../frontend/context.js';
import type { ParsedPolicy } from '../../../services/iam/policy.js';
import { issueSessionCredentials } from '../../../services/iam/session-credentials.js';
import { mayDo } from '../authorize.js';
import { MANAGED_TABLE_BUCKET_NAME, tableArn, type ArnScope } from '../names.js';

/** How long vended credentials last unless the server is told otherwise (engines reload the table for new ones). */
export const VENDED_CREDENTIALS_LIFETIME_MS = 15 * 60 * 1000;
const DELEGATION_HEADER = 'x-iceberg-access-delegation';

export interface Vending {
  principal: Principal;
  /** The table bucket's and the table's policies (authorize.ts), judged with the principal's own. */
  resourcePolicy?: ParsedPolicy;
  scope: ArnScope;
  tableBucket: string;
  signingSecret: string;
  lifetimeMs: number;
  nowMs: number;
}

/** Whether the request asks for vended credentials (the header lists the mechanisms it accepts). */
export function asksForVendedCredentials(headers: IncomingHttpHeaders): boolean {
  const value = headers[DELEGATION_HEADER];
  const text = Array.isArray(value) ? value.join(',') : value ?? '';
  return text.split(',').some((entry) => entry.trim().toLowerCase() === 'vended-credentials');
}

/** The credentials for `s3://bucket/tableId`; none (an empty config) when the caller may not read the table's data. */
export function vendCredentials(vending: Vending, warehouseLocation: string): Record<string, string> {
  const match = /^s3:\/\/([^/]+)\/([^/]+)\/?$/.exec(warehouseLocation);
  if (match === null) return {};
  const [, bucket, tableId] = match as unknown as [string, string, string];
  // A managed table's data files are not under its location (S3 Metadata's are in its system
  // bucket): credentials for the location alone would not read them. Clients use their own.
  if (vending.tableBucket === MANAGED_TABLE_BUCKET_NAME) return {};
  const arn = tableArn(vending.scope, vending.tableBucket, tableId);
  const target = { arn, resourcePolicy: vending.resourcePolicy };
  if (!mayDo(vending.principal, 's3tables:GetTableData', target)) return {};
  const expiresAtMs = vending.nowMs + vending.lifetimeMs;
  const write = mayDo(vending.principal, 's3tables:PutTableData', target);
  const keys = issueSessionCredentials(vending.signingSecret, { bucket, prefix: `${tableId}/`, write, expiresAtMs });
  return {
    's3.access-key-id': keys.accessKeyId,
    's3.secret-access-key': keys.secretAccessKey,
    's3.session-token': keys.sessionToken,
    's3.session-token-expires-at-ms': String(expiresAtMs),
  };
}
