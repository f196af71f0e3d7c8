// The AWS Backup API surface (REST-JSON, SigV4 service "backup"): it claims requests signed for
// backup, authenticates them over the body's hash, authorizes the operation's `backup:` action —
// with the user's policy and, for a vault's operations, the vault's access policy, whose Deny binds
// even root — and answers in the API's JSON; errors as restJson1. Operations of the model Cairn
// does not offer answer 501 NotImplemented.
import type { RootIdentity } from '../../frontend/auth/identify.js';
import type { FrontendConfig, Principal } from '../../frontend/context.js';
import { JsonApiError, jsonFailureOf, readJsonApiCall, sendJsonAnswer } from '../../frontend/json-api.js';
import { REST_JSON_ERRORS } from '../../frontend/stub-surface.js';
import type { ApiSurface, SurfaceRequest } from '../../frontend/surface.js';
import type { Index } from '../../index/types.js';
import { evaluateAccess } from '../../services/iam/evaluate.js';
import type { Identities } from '../../services/iam/identities.js';
import { parsedPolicy } from '../../services/iam/policy-cache.js';
import { backupArns, type BackupContext } from './context.js';
import { BACKUP_ROUTES, type BackupRoute } from './routes.js';
import type { BackupStore } from './store.js';

export const BACKUP_SIGNING_SERVICE = 'backup';
const BACKUP_BODY_SIZE_BYTES_MAX = 256 * 1024;

export interface BackupSurfaceOptions {
  config: FrontendConfig;
  root: RootIdentity;
  identities: Identities;
  index: Index;
  store: BackupStore;
}

function routeOf(method: string, segments: string[]): BackupRoute {
  // A trailing slash (ListBackupVaults' "/backup-vaults/") is the collection itself.
  const parts = segments.at(-1) === '' ? segments.slice(0, -1) : segments;
  const matches = (route: BackupRoute) => route.path.length === parts.length && route.path.every((part, index) => part.startsWith(':') || part === parts[index]);
  const route = BACKUP_ROUTES.find((candidate) => candidate.method === method && matches(candidate));
  if (route === undefined) throw new JsonApiError(404, 'ResourceNotFoundException', `No AWS Backup operation answers ${method} /${segments.join('/')}.`);
  return route;
}

export function createBackupSurface(options: BackupSurfaceOptions): ApiSurface {
  const { config, store, index } = options;
  const arns = backupArns(config.region, config.accountId);

  /** Root may do everything a vault's policy does not deny; a user needs its own policy's Allow, and no Deny. */
  async function authorize(principal: Principal, route: BackupRoute, segments: string[]): Promise<void> {
    const action = `backup:${route.operation}`;
    const vaultName = route.path[0] === 'backup-vaults' && route.path.length > 1 ? segments[1] : undefined;
    const vault = vaultName === undefined ? undefined : await store.vaults.get(vaultName);
    const resource = vaultName === undefined ? '*' : arns.vault(vaultName);
    const vaultPolicy = vault?.policy === undefined ? undefined : parsedPolicy(vault.policy, { kind: 'repository', accountId: config.accountId });
    const requester = principal.kind === 'anonymous' ? { kind: 'anonymous' as const } : { kind: 'user' as const, name: principal.name, canonicalId: principal.canonicalId };
    const decision = evaluateAccess({ principal: requester, action, resource, keys: new Map() }, {
      userPolicy: principal.kind === 'user' ? principal.policy : undefined, bucketPolicy: vaultPolicy, allowedByDefault: principal.kind === 'root', ignoreBucketPolicyAllows: false,
    });
    if (decision !== 'allow') throw new JsonApiError(403, 'AccessDeniedException', `You are not authorized to perform ${action} on ${resource}.`);
  }

  async function handle(request: SurfaceRequest): Promise<void> {
    const call = await readJsonApiCall(request, {
      config, root: options.root, identities: options.identities, signingService: BACKUP_SIGNING_SERVICE,
      bodySizeBytesMax: BACKUP_BODY_SIZE_BYTES_MAX, invalidCode: 'InvalidParameterValueException',
    });
    const route = routeOf(request.req.method ?? 'GET', call.segments);
    await authorize(call.principal, route, call.segments);
    if (route.run === undefined) throw new JsonApiError(501, 'NotImplemented', `The AWS Backup operation ${route.operation} is not offered by Cairn.`);
    const context: BackupContext = { store, index, arns, nowMs: Date.now() };
    sendJsonAnswer(request.res, request.requestId, 200, await route.run(context, call));
  }

  return {
    name: BACKUP_SIGNING_SERVICE,
    claims: (request) => request.signingService === BACKUP_SIGNING_SERVICE,
    handle,
    answerError: (request, error) => REST_JSON_ERRORS(request.res, jsonFailureOf(request, error, 'ServiceUnavailableException'), request.requestId),
  };
}
