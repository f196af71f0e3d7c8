// What every `cairn admin` command is: a name, its help, and a run function over the shared I/O.
// A new command is one file exporting an AdminCommand, listed once in dispatch.ts.

/** The command line was wrong (unknown option, bad value): nothing was asked of the server. */
export const EXIT_USAGE = 2;
/** The command ran and failed: the server refused, could not be reached, or some keys failed. */
export const EXIT_FAILURE = 1;
export const EXIT_SUCCESS = 0;

export interface AdminIo {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** The wall clock (milliseconds since the epoch); a seam for times such as "now-15m". */
  nowMs(): number;
}

export interface AdminCommand {
  name: string;
  /** One line for `cairn admin help`. */
  summary: string;
  /** The synopsis line, e.g. "restore BUCKET --to TIME [--prefix P]". */
  synopsis: string;
  /** The full help text for `cairn admin NAME --help` (options, examples), after the synopsis. */
  help: string;
  /** True for a command that works on the files of a stopped server, not through its API (no connection options). */
  offline?: boolean;
  /** Returns the exit code; throws UsageError or CommandFailure for the dispatcher to print. */
  run(args: string[], io: AdminIo): Promise<number>;
}

/** A mistake on the command line: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command could not do its job for a reason the user can act on: printed as is, exit code 1. */
export class CommandFailure extends Error {
  override readonly name = 'CommandFailure';
}

/** Thrown by option parsing when --help / -h is given. */
export class HelpRequested extends Error {
  override readonly name = 'HelpRequested';
}
