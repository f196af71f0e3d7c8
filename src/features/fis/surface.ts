// The AWS FIS API surface (REST-JSON, SigV4 service "fis"): it claims requests signed for fis,
// authenticates them over the body's hash, authorizes the operation's `fis:` action on the resource
// the path names, and answers in the API's JSON; errors as restJson1. Operations of the model Cairn
// does not offer (target account configurations, safety levers) answer 501 NotImplemented.
import type { RootIdentity } from '../../frontend/auth/identify.js';
import type { FrontendConfig } from '../../frontend/context.js';
import { authorizeJsonAction, JsonApiError, jsonFailureOf, readJsonApiCall, sendJsonAnswer } from '../../frontend/json-api.js';
import { REST_JSON_ERRORS } from '../../frontend/stub-surface.js';
import type { ApiSurface, SurfaceRequest } from '../../frontend/surface.js';
import type { Identities } from '../../services/iam/identities.js';
import * as operations from './operations.js';
import type { FisContext, FisOperation } from './operations.js';
import type { FisStore } from './store.js';

export const FIS_SIGNING_SERVICE = 'fis';
const FIS_BODY_SIZE_BYTES_MAX = 256 * 1024;

export interface FisSurfaceOptions {
  config: FrontendConfig;
  root: RootIdentity;
  identities: Identities;
  store: FisStore;
  driveCount: number;
  /** Whether the index is PostgreSQL (index faults and the host registry). */
  onPostgres: boolean;
}

interface Route {
  method: string;
  /** The path's segments; ':id' matches any one segment. */
  path: string[];
  operation: string;
  run?: FisOperation;
  /** Which ARN the IAM action is judged on: the template or experiment the path names, or none ('*'). */
  resource?: 'template' | 'experiment' | 'action' | 'tagged';
}

const ROUTES: readonly Route[] = [
  { method: 'POST', path: ['experimentTemplates'], operation: 'CreateExperimentTemplate', run: operations.createTemplate },
  { method: 'GET', path: ['experimentTemplates'], operation: 'ListExperimentTemplates', run: operations.listTemplates },
  { method: 'GET', path: ['experimentTemplates', ':id'], operation: 'GetExperimentTemplate', run: operations.getTemplate, resource: 'template' },
  { method: 'PATCH', path: ['experimentTemplates', ':id'], operation: 'UpdateExperimentTemplate', run: operations.updateTemplate, resource: 'template' },
  { method: 'DELETE', path: ['experimentTemplates', ':id'], operation: 'DeleteExperimentTemplate', run: operations.deleteTemplate, resource: 'template' },
  { method: 'POST', path: ['experiments'], operation: 'StartExperiment', run: operations.startExperiment },
  { method: 'GET', path: ['experiments'], operation: 'ListExperiments', run: operations.listExperiments },
  { method: 'GET', path: ['experiments', ':id'], operation: 'GetExperiment', run: operations.getExperiment, resource: 'experiment' },
  { method: 'DELETE', path: ['experiments', ':id'], operation: 'StopExperiment', run: operations.stopExperiment, resource: 'experiment' },
  { method: 'GET', path: ['experiments', ':id', 'resolvedTargets'], operation: 'ListExperimentResolvedTargets', run: operations.listResolvedTargets, resource: 'experiment' },
  { method: 'GET', path: ['actions'], operation: 'ListActions', run: operations.listActions },
  { method: 'GET', path: ['actions', ':id'], operation: 'GetAction', run: operations.getAction, resource: 'action' },
  { method: 'GET', path: ['targetResourceTypes'], operation: 'ListTargetResourceTypes', run: operations.listTargetResourceTypes },
  { method: 'GET', path: ['targetResourceTypes', ':id'], operation: 'GetTargetResourceType', run: operations.getTargetResourceType },
  { method: 'GET', path: ['tags', ':id'], operation: 'ListTagsForResource', run: operations.listTags, resource: 'tagged' },
  { method: 'POST', path: ['tags', ':id'], operation: 'TagResource', run: operations.tagResource, resource: 'tagged' },
  { method: 'DELETE', path: ['tags', ':id'], operation: 'UntagResource', run: operations.untagResource, resource: 'tagged' },
  { method: 'GET', path: ['safetyLevers', ':id'], operation: 'GetSafetyLever' },
  { method: 'PATCH', path: ['safetyLevers', ':id', 'state'], operation: 'UpdateSafetyLeverState' },
];

function routeOf(method: string, segments: string[]): Route {
  const matches = (route: Route) => route.path.length === segments.length && route.path.every((part, index) => part === ':id' || part === segments[index]);
  const route = ROUTES.find((candidate) => candidate.method === method && matches(candidate));
  if (route !== undefined) return route;
  if (segments[0] === 'experimentTemplates' || segments[0] === 'experiments') {
    if (segments.includes('targetAccountConfigurations')) return { method, path: segments, operation: 'TargetAccountConfigurations' };
  }
  throw new JsonApiError(404, 'ResourceNotFoundException', `No FIS operation answers ${method} /${segments.join('/')}.`);
}

export function createFisSurface(options: FisSurfaceOptions): ApiSurface {
  const { config, store } = options;
  const prefix = `arn:aws:fis:${config.region}:${config.accountId}:`;
  const arns = { prefix, templateArn: (id: string) => `${prefix}experiment-template/${id}`, experimentArn: (id: string) => `${prefix}experiment/${id}` };
  const scope = { region: config.region, accountId: config.accountId, driveCount: options.driveCount, onPostgres: options.onPostgres };

  function resourceOf(route: Route, id: string | undefined): string {
    if (id === undefined || route.resource === undefined) return '*';
    if (route.resource === 'tagged') return id;
    if (route.resource === 'action') return `${prefix}action/${id}`;
    return route.resource === 'template' ? arns.templateArn(id) : arns.experimentArn(id);
  }

  async function handle(request: SurfaceRequest): Promise<void> {
    const call = await readJsonApiCall(request, {
      config, root: options.root, identities: options.identities, signingService: FIS_SIGNING_SERVICE,
      bodySizeBytesMax: FIS_BODY_SIZE_BYTES_MAX, invalidCode: 'ValidationException',
    });
    const route = routeOf(request.req.method ?? 'GET', call.segments);
    authorizeJsonAction(call.principal, `fis:${route.operation}`, resourceOf(route, call.segments[1]));
    if (route.run === undefined) throw new JsonApiError(501, 'NotImplemented', `The FIS operation ${route.operation} is not offered by Cairn.`);
    const context: FisContext = { store, scope, arns, nowMs: Date.now() };
    sendJsonAnswer(request.res, request.requestId, 200, await route.run(context, call));
  }

  return {
    name: FIS_SIGNING_SERVICE,
    claims: (request) => request.signingService === FIS_SIGNING_SERVICE,
    handle,
    answerError: (request, error) => REST_JSON_ERRORS(request.res, jsonFailureOf(request, error, 'InternalServerException'), request.requestId),
  };
}
