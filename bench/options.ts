// Command-line options of `npm run bench` (node dist/bench/run.js).
import { DEFAULT_POSTGRES_ADMIN_URL } from './postgres-database.js';

export const DEFAULT_CELL_SECONDS = 3;
export const DEFAULT_WARM_UP_SECONDS = 1;
export const QUICK_CELL_SECONDS = 1;
export const QUICK_WARM_UP_SECONDS = 0.5;

/** 'cairn-pg': Cairn with its index in PostgreSQL; 'node': the Node floor (4 KiB objects only). */
export type TargetFamily = 'cairn' | 'cairn-pg' | 's3rver' | 'nginx' | 'node';
const TARGET_FAMILIES: readonly TargetFamily[] = ['cairn', 'cairn-pg', 's3rver', 'nginx', 'node'];

export interface BenchOptions {
  cellSeconds: number;
  warmUpSeconds: number;
  families: TargetFamily[];
  /** Run the crc64nvme micro-benchmark after the main run when the time budget allows. */
  microBenchmarks: boolean;
  /** Exit with status 1 unless every request of every cell was answered 2xx (on with --quick: the CI smoke test). */
  requireAll2xx: boolean;
  /** Write bench/results/latest.json and latest.md (off with --no-save). */
  save: boolean;
  /** --quick: the smoke run (the PostgreSQL column then measures 4 KiB and 1 MiB objects only, without LIST). */
  quick: boolean;
  /** The cluster mode (cluster.ts) instead of the main table. */
  cluster: boolean;
  /** The maintenance connection the bench makes and drops its PostgreSQL databases through. */
  postgresAdminUrl: string;
}

export const USAGE = `usage: node dist/bench/run.js [--seconds N] [--quick] [--only ${TARGET_FAMILIES.join(',')}] [--cluster] [--postgres-url URL] [--no-micro] [--no-save]
  --seconds N   measured duration of each cell (default ${DEFAULT_CELL_SECONDS}); warm-up is ${DEFAULT_WARM_UP_SECONDS} s
  --quick       ${QUICK_CELL_SECONDS} s cells, ${QUICK_WARM_UP_SECONDS} s warm-up; exits 1 unless every request was answered 2xx (CI smoke test);
                the PostgreSQL column measures 4 KiB and 1 MiB objects only, without LIST (its 10,000-key fill)
  --only LIST   run only these servers (comma-separated: ${TARGET_FAMILIES.join(', ')})
  --cluster     the cluster mode instead: 1, 2 and 3 front ends on one PostgreSQL database and 3 drive servers
  --postgres-url URL  where the bench creates (and drops) its databases (default ${DEFAULT_POSTGRES_ADMIN_URL})
  --no-micro    skip the crc64nvme micro-benchmark at the end
  --no-save     do not write bench/results/
`;

export function parseOptions(argv: string[]): BenchOptions {
  const options: BenchOptions = {
    cellSeconds: DEFAULT_CELL_SECONDS,
    warmUpSeconds: DEFAULT_WARM_UP_SECONDS,
    families: [...TARGET_FAMILIES],
    microBenchmarks: true,
    requireAll2xx: false,
    save: true,
    quick: false,
    cluster: false,
    postgresAdminUrl: process.env['CAIRN_BENCH_POSTGRES_URL'] ?? DEFAULT_POSTGRES_ADMIN_URL,
  };
  let explicitSeconds: number | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!;
    const value = (): string => {
      const next = argv[index + 1];
      if (next === undefined) throw new Error(`${argument} needs a value\n${USAGE}`);
      index += 1;
      return next;
    };
    switch (argument) {
      case '--seconds': {
        const seconds = Number(value());
        if (!(seconds > 0)) throw new Error(`--seconds: expected a positive number\n${USAGE}`);
        explicitSeconds = seconds;
        break;
      }
      case '--quick':
        options.cellSeconds = QUICK_CELL_SECONDS;
        options.warmUpSeconds = QUICK_WARM_UP_SECONDS;
        options.requireAll2xx = true;
        options.quick = true;
        break;
      case '--only': {
        const names = value().split(',').map((name) => name.trim()).filter((name) => name !== '');
        for (const name of names) {
          if (!TARGET_FAMILIES.includes(name as TargetFamily)) throw new Error(`--only: unknown server '${name}'\n${USAGE}`);
        }
        options.families = names as TargetFamily[];
        break;
      }
      case '--cluster':
        options.cluster = true;
        break;
      case '--postgres-url':
        options.postgresAdminUrl = value();
        break;
      case '--no-micro':
        options.microBenchmarks = false;
        break;
      case '--no-save':
        options.save = false;
        break;
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${argument}\n${USAGE}`);
    }
  }
  if (explicitSeconds !== undefined) options.cellSeconds = explicitSeconds;
  return options;
}
