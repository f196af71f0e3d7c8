// Jest's own config for the startCairn example (run by test/embed/runners.test.ts with
// --experimental-vm-modules, which Jest needs for ES modules; not by `node --test`).
export default {
  rootDir: import.meta.dirname,
  testMatch: ['**/*.jest.mjs'],
  transform: {},
  testEnvironment: 'node',
  testTimeout: 30_000,
};
