// Progress of a long admin command on stderr: a status line redrawn in place when stderr is a
// terminal, a plain line now and then when it is a file or a pipe (logs, CI). The command supplies
// the text; this only decides when and how to draw it.

/** How often the terminal status line is redrawn. */
const TERMINAL_REDRAW_INTERVAL_MS = 200;
/** How often a progress line is written when stderr is not a terminal. */
const PLAIN_LINE_INTERVAL_MS = 10_000;
const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Erase the current terminal line and return to its start (CSI 2K). */
const CLEAR_LINE = '\r\x1b[2K';

export class ProgressLine {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private readonly terminal: boolean;

  constructor(private readonly stream: NodeJS.WriteStream, private readonly render: () => string) {
    this.terminal = stream.isTTY === true;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.draw(), this.terminal ? TERMINAL_REDRAW_INTERVAL_MS : PLAIN_LINE_INTERVAL_MS);
    // Progress never keeps the process alive on its own.
    this.timer.unref();
  }

  private draw(): void {
    if (this.terminal) {
      this.frame = (this.frame + 1) % SPINNER_FRAMES.length;
      this.stream.write(`${CLEAR_LINE}${SPINNER_FRAMES[this.frame]} ${this.render()}`);
    } else {
      this.stream.write(`${this.render()}\n`);
    }
  }

  /** Call before writing anything else to the terminal, so it does not land in the middle of the status line. */
  clear(): void {
    if (this.terminal && this.timer !== undefined) this.stream.write(CLEAR_LINE);
  }

  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.terminal) this.stream.write(CLEAR_LINE);
  }
}

const SIZE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 → "1.5 KiB". */
export function formatBytes(sizeBytes: number): string {
  let value = sizeBytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${SIZE_UNITS[unit]}`;
}
