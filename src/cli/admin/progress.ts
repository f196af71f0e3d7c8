// Progress of a long admin command on stderr: a status line redrawn in place when stderr is a
// terminal, a plain line now and then when it is a file or a pipe (logs, CI). Two kinds: a spinner
// with the command's own text (ProgressLine, when the amount of work is unknown), and a bar with a
// percentage, counters, a rate and an ETA (ProgressBar, when the command knows its total).
import { UsageError } from './command.js';

/** How often the terminal status line is redrawn. */
const TERMINAL_REDRAW_INTERVAL_MS = 200;
/** How often a progress line is written when stderr is not a terminal (CAIRN_PROGRESS_INTERVAL_MS overrides it). */
export const PLAIN_LINE_INTERVAL_MS_DEFAULT = 10_000;
/** The longest interval CAIRN_PROGRESS_INTERVAL_MS may ask for: one day. */
const PLAIN_LINE_INTERVAL_MS_MAX = 86_400_000;
export const PROGRESS_INTERVAL_ENV = 'CAIRN_PROGRESS_INTERVAL_MS';
/** Width assumed when a terminal does not say (stream.columns undefined). */
const TERMINAL_COLUMNS_DEFAULT = 80;
const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Erase the current terminal line and return to its start (CSI 2K). */
const CLEAR_LINE = '\r\x1b[2K';
/** The bar between its brackets: never narrower (else it is left out), never wider. */
const BAR_COLUMNS_MIN = 10;
const BAR_COLUMNS_MAX = 30;
/** The rate is measured over about this much recent time, so the ETA follows changes of pace. */
const RATE_WINDOW_MS = 10_000;
/** Samples for the rate are at least this far apart… */
const RATE_SAMPLE_SPACING_MS = 100;
/** …and at most this many are kept (bounded memory, whatever the redraw interval). */
const RATE_SAMPLES_MAX = 101;
/** No rate (nor ETA) before this much time has been measured: the first moments say little. */
const RATE_MEASURED_MS_MIN = 500;

/** The plain-line interval: CAIRN_PROGRESS_INTERVAL_MS (milliseconds) or 10 s; UsageError for a bad value. */
export function plainLineIntervalMs(env: NodeJS.ProcessEnv): number {
  const text = env[PROGRESS_INTERVAL_ENV];
  if (text === undefined || text === '') return PLAIN_LINE_INTERVAL_MS_DEFAULT;
  const intervalMs = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(intervalMs >= 1 && intervalMs <= PLAIN_LINE_INTERVAL_MS_MAX)) {
    throw new UsageError(`${PROGRESS_INTERVAL_ENV}=${text}: expected milliseconds from 1 to ${PLAIN_LINE_INTERVAL_MS_MAX}`);
  }
  return intervalMs;
}

/** What every progress display offers the command that owns it. */
export interface ProgressDisplay {
  start(): void;
  /** Call before writing anything else to the terminal, so it does not land in the middle of the status line. */
  clear(): void;
  stop(): void;
}

/** The timer and the two ways of drawing; subclasses say what a line holds. */
abstract class StatusLine implements ProgressDisplay {
  private timer: NodeJS.Timeout | undefined;
  private plainLinesWritten = 0;
  private redrawPending = false;
  protected readonly terminal: boolean;

  constructor(protected readonly stream: NodeJS.WriteStream, private readonly plainIntervalMs: number) {
    this.terminal = stream.isTTY === true;
  }

  /** The terminal line, at most `columns` wide. */
  protected abstract terminalText(columns: number): string;
  /** A line for a log. */
  protected abstract plainText(): string;

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.draw(), this.terminal ? TERMINAL_REDRAW_INTERVAL_MS : this.plainIntervalMs);
    // Progress never keeps the process alive on its own.
    this.timer.unref();
    // A terminal shows the line at once; a log gets its first line only after an interval, so short runs stay quiet.
    if (this.terminal) this.draw();
  }

  private draw(): void {
    if (this.terminal) {
      // One column spare: writing the last column makes some terminals wrap, and \r would then miss the line.
      this.stream.write(`${CLEAR_LINE}${this.terminalText((this.stream.columns ?? TERMINAL_COLUMNS_DEFAULT) - 1)}`);
    } else {
      this.plainLinesWritten += 1;
      this.stream.write(`${this.plainText()}\n`);
    }
  }

  /** Erases the terminal line for the caller's output; it comes back just after, below that output. */
  clear(): void {
    if (!this.terminal || this.timer === undefined) return;
    this.stream.write(CLEAR_LINE);
    if (this.redrawPending) return;
    this.redrawPending = true;
    // After the caller's synchronous write (and any others in the same turn): one redraw for many lines.
    setImmediate(() => {
      this.redrawPending = false;
      if (this.timer !== undefined) this.draw();
    }).unref();
  }

  /** A log that got progress lines also gets the final state; a terminal's line is erased. */
  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.terminal) this.stream.write(CLEAR_LINE);
    else if (this.plainLinesWritten > 0) this.draw();
  }
}

/** A spinner and the command's text: for work of unknown size. */
export class ProgressLine extends StatusLine {
  private frame = 0;

  constructor(stream: NodeJS.WriteStream, private readonly render: () => string, plainIntervalMs = PLAIN_LINE_INTERVAL_MS_DEFAULT) {
    super(stream, plainIntervalMs);
  }

  protected terminalText(columns: number): string {
    this.frame = (this.frame + 1) % SPINNER_FRAMES.length;
    return fitToColumns(`${SPINNER_FRAMES[this.frame]} ${this.render()}`, columns);
  }

  protected plainText(): string {
    return this.render();
  }
}

/** A named count shown after the bar, e.g. { label: 'restored', value: 120 }. */
export interface ProgressCounter {
  label: string;
  value: number | string;
}

/** Everything one progress line shows. */
export interface ProgressView {
  done: number;
  total: number;
  /** What is counted, plural: "keys". */
  unit: string;
  /** In the order shown; on a narrow terminal the last ones are left out first. */
  counters: readonly ProgressCounter[];
  /** Units per second lately; undefined while unknown (no rate, no ETA). */
  ratePerSecond?: number;
}

const NUMBER_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const RATE_FORMAT_SMALL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** 4700 → "4,700". */
export function formatCount(count: number): string {
  return NUMBER_FORMAT.format(count);
}

/** 3 → "3s", 125 → "2m 05s", 7380 → "2h 03m", 180000 → "2d 02h". */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.ceil(totalSeconds));
  const pad = (value: number) => String(value).padStart(2, '0');
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${pad(seconds % 60)}s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ${pad(Math.floor(seconds / 60) % 60)}m`;
  return `${Math.floor(seconds / 86_400)}d ${pad(Math.floor(seconds / 3600) % 24)}h`;
}

/** Whole percent, rounded down so that 100% means done; a total of 0 is done. */
function percentDone(view: ProgressView): number {
  if (view.total <= 0) return 100;
  return Math.min(100, Math.floor((view.done / view.total) * 100));
}

/** "47%  4,700 / 10,000 keys": never left out. */
function headText(view: ProgressView): string {
  return `${percentDone(view)}%  ${formatCount(view.done)} / ${formatCount(view.total)} ${view.unit}`;
}

/** A part after the head; `rank` 0 is the most important (the last to be left out). */
interface Segment {
  text: string;
  rank: number;
}

/** The parts after the head in the order shown: counters, rate, ETA. Ranked ETA, counters, rate. */
function tailSegments(view: ProgressView): Segment[] {
  const rate = view.ratePerSecond;
  const rateKnown = rate !== undefined && Number.isFinite(rate) && rate >= 0;
  const remaining = view.total - view.done;
  const showsEta = rateKnown && rate > 0 && remaining > 0;
  const etaRanks = showsEta ? 1 : 0;
  const segments: Segment[] = view.counters.map((counter, index) => ({
    text: `${counter.label} ${typeof counter.value === 'number' ? formatCount(counter.value) : counter.value}`,
    rank: etaRanks + index,
  }));
  if (rateKnown) segments.push({ text: `${rate < 10 ? RATE_FORMAT_SMALL.format(rate) : formatCount(rate)} ${view.unit}/s`, rank: etaRanks + view.counters.length });
  if (showsEta) segments.push({ text: `ETA ${formatDuration(remaining / rate)}`, rank: 0 });
  return segments;
}

function joinLine(head: string, segments: readonly Segment[]): string {
  return segments.length === 0 ? head : `${head}  · ${segments.map((segment) => segment.text).join(' · ')}`;
}

/** A log line: "47%  4,700 / 10,000 keys  · restored 120 · delete markers 30 · 2,100 keys/s · ETA 3s". */
export function renderProgressText(view: ProgressView): string {
  return joinLine(headText(view), tailSegments(view));
}

/**
 * A terminal line at most `columns` wide: "[#########.........] 47%  4,700 / 10,000 keys  · …".
 * When it does not fit, the least important segments go first (the rate, then counters from the
 * last, then the ETA), then the bar; what still does not fit is cut. Every character is one column wide.
 */
export function renderProgressBar(view: ProgressView, columns: number): string {
  const head = headText(view);
  const segments = tailSegments(view);
  for (let segmentsKept = segments.length; segmentsKept >= 0; segmentsKept -= 1) {
    const text = joinLine(head, segments.filter((segment) => segment.rank < segmentsKept));
    // "[" + bar + "] " before the text.
    const barColumns = Math.min(BAR_COLUMNS_MAX, columns - text.length - 3);
    if (barColumns >= BAR_COLUMNS_MIN) {
      const filled = Math.floor((barColumns * percentDone(view)) / 100);
      return `[${'#'.repeat(filled)}${'.'.repeat(barColumns - filled)}] ${text}`;
    }
  }
  return fitToColumns(head, columns);
}

/** Cut to `columns`, marking the cut with "…". */
function fitToColumns(text: string, columns: number): string {
  if (text.length <= columns) return text;
  return columns <= 1 ? text.slice(0, Math.max(0, columns)) : `${text.slice(0, columns - 1)}…`;
}

/** What a ProgressBar asks of its command at each redraw. */
export interface ProgressSample {
  done: number;
  counters: readonly ProgressCounter[];
}

/** A bar towards a known total, with counters, the recent rate and an ETA. */
export class ProgressBar extends StatusLine {
  private readonly samples: Array<{ atMs: number; done: number }> = [];

  constructor(
    stream: NodeJS.WriteStream,
    private total: number,
    private readonly unit: string,
    private readonly sample: () => ProgressSample,
    plainIntervalMs = PLAIN_LINE_INTERVAL_MS_DEFAULT,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    super(stream, plainIntervalMs);
  }

  /** A new total, e.g. the number of units the work really met once it is over. */
  setTotal(total: number): void {
    this.total = total;
  }

  override start(): void {
    if (this.samples.length === 0) this.samples.push({ atMs: this.nowMs(), done: this.sample().done });
    super.start();
  }

  /** Units per second over the last RATE_WINDOW_MS or so; undefined until RATE_MEASURED_MS_MIN has passed. */
  private rateAfter(done: number): number | undefined {
    const atMs = this.nowMs();
    // Redraws can come in bursts (see clear()): samples are kept apart, so the window stays about RATE_WINDOW_MS.
    if (atMs - this.samples[this.samples.length - 1]!.atMs >= RATE_SAMPLE_SPACING_MS) this.samples.push({ atMs, done });
    while (this.samples.length > RATE_SAMPLES_MAX || (this.samples.length > 1 && this.samples[1]!.atMs <= atMs - RATE_WINDOW_MS)) this.samples.shift();
    const oldest = this.samples[0]!;
    const measuredMs = atMs - oldest.atMs;
    return measuredMs < RATE_MEASURED_MS_MIN ? undefined : ((done - oldest.done) * 1000) / measuredMs;
  }

  private view(): ProgressView {
    const { done, counters } = this.sample();
    return { done, total: this.total, unit: this.unit, counters, ratePerSecond: this.rateAfter(done) };
  }

  protected terminalText(columns: number): string {
    return renderProgressBar(this.view(), columns);
  }

  protected plainText(): string {
    return renderProgressText(this.view());
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
