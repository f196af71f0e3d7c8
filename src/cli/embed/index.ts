// The package's entry point (`import { startCairn } from 'cairn'`): Cairn inside a test suite.
export { startCairn, type CairnCredentials, type RunningCairn, type StartCairnOptions } from './start.js';
export { InvalidBucketOptionError, ResetRefusedError } from './reset.js';
