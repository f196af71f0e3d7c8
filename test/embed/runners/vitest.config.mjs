// Vitest's own config for the startCairn example (run by test/embed/runners.test.ts, not by `node --test`).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: import.meta.dirname,
  test: { include: ['**/*.vitest.mjs'], testTimeout: 30_000, hookTimeout: 30_000 },
});
