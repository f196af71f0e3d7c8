// Cairn with its index in PostgreSQL (`cairn server --index postgres://…`): the default worker count
// on a fresh data directory and a fresh database of its own, dropped when the target stops.
import { createBenchDatabase, dropBenchDatabase } from '../postgres-database.js';
import { startCairn, type CairnTarget } from './cairn.js';

export async function startCairnOnPostgres(adminUrl: string, workers: number | undefined): Promise<CairnTarget> {
  const indexUrl = await createBenchDatabase(adminUrl);
  const label = `${workers === undefined ? 'Cairn' : `Cairn w${workers}`} PostgreSQL`;
  let target: CairnTarget;
  try {
    target = await startCairn('cairn-pg', label, workers, { extraArgs: ['--index', indexUrl] });
  } catch (error) {
    await dropBenchDatabase(adminUrl, indexUrl);
    throw error;
  }
  return {
    ...target,
    async stop() {
      await target.stop();
      await dropBenchDatabase(adminUrl, indexUrl);
    },
  };
}
