// The registry in a server process: its system bucket (read-only over S3; the surface creates it on
// the first push), its surfaces (OCI and the ECR API, sharing one throttle holding this process's
// share of the rates), and — in the process that runs background work — its garbage collector and
// its lifecycle worker.
import type { RootIdentity } from '../../frontend/auth/identify.js';
import type { ApiSurface } from '../../frontend/surface.js';
import type { Identities } from '../../services/iam/identities.js';
import type { Layers } from '../../services/objects.js';
import { startRegistryCollector, type RegistryCollectorSettings } from './collector.js';
import type { RegistrySettings } from './context.js';
import { REGISTRY_BUCKET } from './names.js';
import { defaultRegistryOptions } from './options.js';
import { createRegistrySurface } from './surface.js';
import { createEcrSurface } from './ecr-surface.js';
import { RegistryThrottle, type ThrottleRates } from './throttle.js';
import { PullRecorder } from './pull-records.js';
import { startRegistryLifecycle, type RegistryLifecycleSettings } from './lifecycle-worker.js';

export interface RegistryOptions {
  redirect: boolean;
  redirectExpirySeconds: number;
  rates: ThrottleRates;
  collector: RegistryCollectorSettings;
}

export interface RegistryRuntime {
  /** Buckets S3 clients may only read, with the reason a write is refused. */
  protectedBuckets: ReadonlyMap<string, string>;
  surface(parts: { root: RootIdentity; identities: Identities; log: (line: string) => void }): ApiSurface;
  /** The Amazon ECR API (signed for `ecr`). */
  ecrSurface(parts: { root: RootIdentity; identities: Identities; log: (line: string) => void }): ApiSurface;
  stop(): Promise<void>;
}

export async function startRegistry(
  layers: Layers, given: RegistryOptions | undefined,
  process: { region: string; accountId: string; ownerId: string; runsBackgroundWork: boolean; workers: number; lifecycle: RegistryLifecycleSettings; log: (line: string) => void },
): Promise<RegistryRuntime> {
  const options = given ?? defaultRegistryOptions();
  const collector = process.runsBackgroundWork ? startRegistryCollector(layers, options.collector, process.log) : undefined;
  const lifecycle = process.runsBackgroundWork ? startRegistryLifecycle(layers, process.lifecycle, process.log) : undefined;
  const pulls = new PullRecorder(layers, process.lifecycle.dayMs, process.log);
  const share = Math.max(1, process.workers);
  const throttle = new RegistryThrottle({
    accountRequestsPerSecond: options.rates.accountRequestsPerSecond / share, repositoryRequestsPerSecond: options.rates.repositoryRequestsPerSecond / share,
  });
  const settings: RegistrySettings = {
    redirect: options.redirect, redirectExpirySeconds: options.redirectExpirySeconds, region: process.region, accountId: process.accountId, ownerId: process.ownerId,
  };
  return {
    protectedBuckets: new Map([[REGISTRY_BUCKET, 'The container registry keeps its blobs in this bucket; it is read-only over S3.']]),
    surface: (parts) => createRegistrySurface({ layers, settings, throttle, pulls, ...parts }),
    ecrSurface: (parts) => createEcrSurface({ layers, region: process.region, accountId: process.accountId, ownerId: process.ownerId, downloadUrlExpirySeconds: options.redirectExpirySeconds, throttle, pulls, lifecycleDayMs: process.lifecycle.dayMs, ...parts }),
    stop: async () => {
      await Promise.all([collector?.stop(), lifecycle?.stop()]);
    },
  };
}
