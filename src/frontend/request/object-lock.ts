// Object Lock refusals and the governance bypass decision, shared by the writes and deletes they guard.
import type { LockRefusal } from '../../index/types.js';
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { mayBypassGovernanceRetention } from '../auth/authorize.js';

/**
 * x-amz-bypass-governance-retention: true, from a caller allowed to bypass GOVERNANCE retention
 * (the s3:BypassGovernanceRetention permission). COMPLIANCE retention and legal holds ignore it.
 */
export async function governanceBypass(context: RequestContext): Promise<{ bypassGovernance: boolean }> {
  const requested = header(context, 'x-amz-bypass-governance-retention')?.trim().toLowerCase() === 'true';
  return { bypassGovernance: requested && (await mayBypassGovernanceRetention(context)) };
}

export const OBJECT_LOCK_DENIED_MESSAGE = 'Access Denied because object protected by object lock.';

export function isLockRefusal(failure: string | undefined): failure is LockRefusal {
  return failure === 'locked' || failure === 'governance';
}

export function objectLockDenied(): S3Error {
  return new S3Error('AccessDenied', OBJECT_LOCK_DENIED_MESSAGE);
}
