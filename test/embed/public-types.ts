// Compile-time check (no tests run here): the hand-written types/index.d.ts that the package ships
// matches what src/cli/embed/index.ts exports, in both directions. `npm run build` fails on a drift.
import type * as Declared from '../../types/index.js';
import type * as Actual from '../../src/cli/embed/index.js';

/** true only when A and B are the same type. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;

export const publicTypesMatch: [
  Same<Declared.StartCairnOptions, Actual.StartCairnOptions>,
  Same<Declared.RunningCairn, Actual.RunningCairn>,
  Same<Declared.CairnCredentials, Actual.CairnCredentials>,
  Same<typeof Declared.startCairn, typeof Actual.startCairn>,
  Same<InstanceType<typeof Declared.ResetRefusedError>, InstanceType<typeof Actual.ResetRefusedError>>,
  Same<InstanceType<typeof Declared.InvalidBucketOptionError>, InstanceType<typeof Actual.InvalidBucketOptionError>>,
] = [true, true, true, true, true, true];
