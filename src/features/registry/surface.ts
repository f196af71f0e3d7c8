// The OCI distribution surface (/v2/): authenticates (Basic or a Bearer token from /v2/token),
// throttles per caller and per repository, checks the repository name, authorizes the route's ECR
// action on the repository's ARN (creating the repository on a first push the caller may make),
// runs the route's handler, and answers failures as {"errors":[{code, message, detail}]}.
import type { RootIdentity } from '../../frontend/auth/identify.js';
import type { Principal } from '../../frontend/context.js';
import type { ApiSurface, SurfaceRequest } from '../../frontend/surface.js';
import type { Identities } from '../../services/iam/identities.js';
import { StorageUnavailableError, type Layers } from '../../services/objects.js';
import { challengeOf, isAllowed, requireAllowed } from './access.js';
import { basicCredentials, identifyRegistryCaller, signToken, TOKEN_LIFETIME_SECONDS, type RegistryAuth } from './auth.js';
import { bucketMaker } from './blob-store.js';
import { originOf, sendJson, type RegistryContext, type RegistrySettings } from './context.js';
import { nameUnknown, OciError, sendOciError } from './errors.js';
import { listCatalog } from './listings.js';
import { checkRepositoryName, repositoryArn } from './names.js';
import { matchRoute, type RepositoryRoute } from './routes.js';
import type { RegistryThrottle } from './throttle.js';
import type { PullRecorder } from './pull-records.js';

export const REGISTRY_PATH_PREFIX = '/v2/';
const API_VERSION_HEADER = 'Docker-Distribution-API-Version';
const API_VERSION = 'registry/2.0';

export interface RegistrySurfaceOptions {
  layers: Layers;
  root: RootIdentity;
  identities: Identities;
  settings: RegistrySettings;
  /** This process's throttle, shared with the ECR API surface. */
  throttle: RegistryThrottle;
  pulls: PullRecorder;
  log: (line: string) => void;
}

/** GET /v2/token: a signed token for the Basic credentials sent; without any, an anonymous token (it pulls what repository policies allow anyone). */
async function answerToken(auth: RegistryAuth, throttle: RegistryThrottle, request: SurfaceRequest, nowMs: number): Promise<void> {
  let accessKeyId = '';
  if (basicCredentials(request.req) !== undefined) accessKeyId = (await identifyRegistryCaller(auth, request.req, nowMs)).accessKeyId;
  throttle.take(accessKeyId === '' ? 'anonymous' : accessKeyId, undefined, nowMs);
  const { token, issuedAt } = signToken(auth, accessKeyId, nowMs);
  sendJson(request.res, 200, { token, access_token: token, expires_in: TOKEN_LIFETIME_SECONDS, issued_at: issuedAt });
}

function answerError(request: SurfaceRequest, error: unknown): void {
  request.res.setHeader(API_VERSION_HEADER, API_VERSION);
  if (error instanceof OciError) return sendOciError(request.res, error);
  if (error instanceof StorageUnavailableError) return sendOciError(request.res, new OciError(503, 'UNAVAILABLE', 'too few drives are online; try again'));
  request.log(`request ${request.requestId}: internal error on ${request.req.method} ${request.path}: ${error instanceof Error ? error.stack : String(error)}`);
  sendOciError(request.res, new OciError(500, 'UNKNOWN', 'unknown error'));
}

export function createRegistrySurface(options: RegistrySurfaceOptions): ApiSurface {
  const { layers, settings } = options;
  const auth: RegistryAuth = { root: options.root, identities: options.identities };
  const { throttle } = options;
  const arnOf = (name: string) => repositoryArn(settings.region, settings.accountId, name);
  const ensureBucket = bucketMaker(layers, settings.region, settings.ownerId);

  async function mayDo(principal: Principal, action: string, repository: string): Promise<boolean> {
    const record = await layers.index.getRegistryRepository(repository);
    return isAllowed({ principal, action, resource: arnOf(repository), repositoryPolicy: record?.policy, accountId: settings.accountId });
  }

  async function runRepositoryRoute(request: SurfaceRequest, principal: Principal, match: { repository: string; target: string; route: RepositoryRoute }, nowMs: number): Promise<void> {
    const repository = checkRepositoryName(match.repository);
    const origin = originOf(request.req);
    const record = await layers.index.getRegistryRepository(repository);
    const challenge = challengeOf(origin, `repository:${repository}:${match.route.push ? 'pull,push' : 'pull'}`);
    const check = { principal, resource: arnOf(repository), repositoryPolicy: record?.policy, accountId: settings.accountId };
    requireAllowed({ ...check, action: match.route.action }, challenge);
    if (match.route.push) await ensureBucket(nowMs);
    if (record === undefined) {
      if (!match.route.push) throw nameUnknown(repository);
      requireAllowed({ ...check, action: 'ecr:CreateRepository' }, challenge);
      await layers.index.createRegistryRepository(repository, nowMs);
    }
    const context: RegistryContext = {
      req: request.req, res: request.res, layers, settings, root: options.root, principal, repository, target: match.target,
      query: new URLSearchParams(request.rawUrl.split('?')[1] ?? ''), origin, nowMs, pulls: options.pulls,
    };
    await match.route.handler(context, (from) => mayDo(principal, 'ecr:BatchGetImage', from));
  }

  async function handle(request: SurfaceRequest): Promise<void> {
    const { req, res } = request;
    const nowMs = Date.now();
    res.setHeader(API_VERSION_HEADER, API_VERSION);
    const match = matchRoute(req.method ?? 'GET', request.path);
    if (match.kind === 'token') return answerToken(auth, throttle, request, nowMs);
    const { principal, accessKeyId } = await identifyRegistryCaller(auth, req, nowMs);
    throttle.take(accessKeyId === '' ? 'anonymous' : accessKeyId, match.kind === 'repository' ? match.repository : undefined, nowMs);
    if (match.kind === 'base') {
      if (principal.kind === 'anonymous') throw new OciError(401, 'UNAUTHORIZED', 'authentication required', {}, { 'WWW-Authenticate': challengeOf(originOf(request.req), undefined) });
      sendJson(res, 200, {});
      return;
    }
    if (match.kind === 'catalog') {
      requireAllowed({ principal, action: 'ecr:DescribeRepositories', resource: '*', accountId: settings.accountId }, challengeOf(originOf(request.req), 'registry:catalog:*'));
      const context: RegistryContext = {
        req, res, layers, settings, root: options.root, principal, repository: '', target: '',
        query: new URLSearchParams(request.rawUrl.split('?')[1] ?? ''), origin: originOf(request.req), nowMs, pulls: options.pulls,
      };
      await listCatalog(context);
      return;
    }
    await runRepositoryRoute(request, principal, match, nowMs);
  }

  return {
    name: 'oci',
    claims: (request) => request.virtualHostBucket === undefined && (request.path.startsWith(REGISTRY_PATH_PREFIX) || request.path === '/v2'),
    handle,
    answerError,
  };
}
