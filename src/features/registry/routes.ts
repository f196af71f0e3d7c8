// The registry's routes: the OCI distribution endpoints by method and path shape, each with the ECR
// action it is judged on (ECR's own mapping of the Docker API to IAM actions), whether it may create
// the repository on first push, and its handler.
import type { RegistryContext } from './context.js';
import { deleteBlob, getBlob } from './blobs.js';
import { OciError } from './errors.js';
import { listReferrers, listTags } from './listings.js';
import { deleteManifest, getManifest, putManifest } from './manifests.js';
import { cancelUpload, finishUpload, patchUpload, startUpload, uploadStatus, type MayRead } from './uploads.js';

export type RegistryHandler = (context: RegistryContext, mayRead: MayRead) => Promise<void>;

export interface RepositoryRoute {
  action: string;
  /** A push: the repository is created on first use if the caller may ecr:CreateRepository. */
  push: boolean;
  handler: RegistryHandler;
}

export type MatchedRoute =
  | { kind: 'base' }
  | { kind: 'token' }
  | { kind: 'catalog' }
  | { kind: 'repository'; repository: string; target: string; route: RepositoryRoute };

interface Shape {
  pattern: RegExp;
  methods: Readonly<Record<string, RepositoryRoute>>;
}

const pull = (action: string, handler: RegistryHandler): RepositoryRoute => ({ action, push: false, handler });
const push = (action: string, handler: RegistryHandler): RepositoryRoute => ({ action, push: true, handler });

const SHAPES: readonly Shape[] = [
  { pattern: /^\/v2\/(.+)\/blobs\/uploads\/?()$/, methods: { POST: push('ecr:InitiateLayerUpload', startUpload) } },
  {
    pattern: /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/,
    methods: {
      PATCH: push('ecr:UploadLayerPart', patchUpload), PUT: push('ecr:CompleteLayerUpload', finishUpload),
      GET: push('ecr:UploadLayerPart', uploadStatus), DELETE: push('ecr:UploadLayerPart', cancelUpload),
    },
  },
  {
    pattern: /^\/v2\/(.+)\/blobs\/([^/]+)$/,
    methods: { GET: pull('ecr:GetDownloadUrlForLayer', getBlob), HEAD: pull('ecr:BatchCheckLayerAvailability', getBlob), DELETE: pull('ecr:BatchDeleteImage', deleteBlob) },
  },
  {
    pattern: /^\/v2\/(.+)\/manifests\/([^/]+)$/,
    methods: {
      GET: pull('ecr:BatchGetImage', getManifest), HEAD: pull('ecr:BatchGetImage', getManifest),
      PUT: push('ecr:PutImage', putManifest), DELETE: pull('ecr:BatchDeleteImage', deleteManifest),
    },
  },
  { pattern: /^\/v2\/(.+)\/tags\/list()$/, methods: { GET: pull('ecr:ListImages', listTags) } },
  { pattern: /^\/v2\/(.+)\/referrers\/([^/]+)$/, methods: { GET: pull('ecr:BatchGetImage', listReferrers) } },
];

const unsupportedRoute = (method: string, path: string): OciError => new OciError(405, 'UNSUPPORTED', `the operation is unsupported: ${method} ${path.slice(0, 256)}`);

/** The route of a request; UNSUPPORTED (405) for a path or method the API does not have. */
export function matchRoute(method: string, rawPath: string): MatchedRoute {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw new OciError(400, 'NAME_INVALID', 'invalid repository name');
  }
  if (path === '/v2/' || path === '/v2') {
    if (method !== 'GET' && method !== 'HEAD') throw unsupportedRoute(method, path);
    return { kind: 'base' };
  }
  if (path === '/v2/token') return { kind: 'token' };
  if (path === '/v2/_catalog') {
    if (method !== 'GET') throw unsupportedRoute(method, path);
    return { kind: 'catalog' };
  }
  for (const shape of SHAPES) {
    const match = shape.pattern.exec(path);
    if (match === null) continue;
    const route = shape.methods[method];
    if (route === undefined) throw unsupportedRoute(method, path);
    return { kind: 'repository', repository: match[1]!, target: match[2] ?? '', route };
  }
  throw unsupportedRoute(method, path);
}
