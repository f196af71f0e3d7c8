// The cluster's index-write channel alone: a worker keeps 32 PutObject-sized calls in flight to its
// parent over IPC ('advanced' serialization, as node:cluster is set up), one message per call or one
// per event-loop turn (batchPerTurn), and each side reports its CPU per call. No SQLite, no HTTP:
// just what the channel costs.
//
//   npx tsc -p tsconfig.json && node dist/bench/ipc-batches.js [--calls 20000] [--rounds 3]
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { batchPerTurn } from '../src/index/batch-per-turn.js';

const argument = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const CALLS = argument('calls', 20_000);
const ROUNDS = argument('rounds', 3);
const IN_FLIGHT = 32;

type Mode = 'single' | 'batched';
interface Call { id: number; method: string; args: unknown[] }
interface Reply { id: number; result: unknown }

/** A PutObject call as the index proxy sends it: the object record with its placement bytes. */
function putCall(id: number): Call {
  return {
    id, method: 'putObject', args: [{
      bucket: 'bench', key: `obj-4096/k${id}`, versionId: 'null', dataId: `01a24fd6dec9000061d6f53d5766${id}`, sizeBytes: 4096,
      etag: '96ca036569cc25a20be11be1e353ca3e', lastModifiedMs: Date.now(), storageClass: 'STANDARD', headers: { contentType: 'binary/octet-stream' },
      userMetadata: {}, checksum: { algorithm: 'CRC64NVME', valueBase64: 'oUXAsKHwZ4c=', type: 'FULL_OBJECT' },
      placement: new Uint8Array([1, 16, 1, 1, 143, 2, 231, 3, 16]), partsCount: 0,
    }, undefined, { kind: 'client' }],
  };
}

async function child(mode: Mode): Promise<void> {
  const send = mode === 'batched' ? batchPerTurn((calls: Call[]) => process.send!({ calls })) : (call: Call) => process.send!({ calls: [call] });
  let sent = 0;
  let answered = 0;
  const start = process.cpuUsage();
  await new Promise<void>((resolve) => {
    process.on('message', (message: { replies: Reply[] }) => {
      for (const _reply of message.replies) {
        answered += 1;
        if (sent < CALLS) send(putCall(sent++));
        else if (answered === CALLS) resolve();
      }
    });
    for (; sent < IN_FLIGHT; ) send(putCall(sent++));
  });
  const used = process.cpuUsage(start);
  process.send!({ childCpuMicros: used.user + used.system });
}

async function parent(mode: Mode): Promise<{ parentUs: number; childUs: number }> {
  const worker = fork(fileURLToPath(import.meta.url), ['--child', mode, '--calls', String(CALLS)], { serialization: 'advanced' });
  const reply = mode === 'batched' ? batchPerTurn((replies: Reply[]) => worker.send({ replies })) : (one: Reply) => worker.send({ replies: [one] });
  const start = process.cpuUsage();
  let childCpuMicros = 0;
  worker.on('message', (message: { calls?: Call[]; childCpuMicros?: number }) => {
    if (message.childCpuMicros !== undefined) childCpuMicros = message.childCpuMicros;
    // Replies settle in a microtask, as a group commit's promises do.
    for (const call of message.calls ?? []) void Promise.resolve().then(() => reply({ id: call.id, result: { outcome: 'stored' } }));
  });
  await once(worker, 'exit');
  const used = process.cpuUsage(start);
  return { parentUs: (used.user + used.system) / CALLS, childUs: childCpuMicros / CALLS };
}

if (process.argv.includes('--child')) {
  await child(process.argv[process.argv.indexOf('--child') + 1] as Mode);
  process.disconnect();
} else {
  console.log(`${CALLS} PutObject calls, ${IN_FLIGHT} in flight, CPU µs per call (primary = the index writer's process, worker = the sender)`);
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ['single', 'batched'] as const) {
      const { parentUs, childUs } = await parent(mode);
      console.log(`round ${round + 1} ${mode.padEnd(8)} primary ${parentUs.toFixed(1).padStart(6)} µs   worker ${childUs.toFixed(1).padStart(6)} µs   both ${(parentUs + childUs).toFixed(1).padStart(6)} µs`);
    }
  }
}
