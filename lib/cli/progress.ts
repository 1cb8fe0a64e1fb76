// Progress of a long CLI run: a bar redrawn in place on a terminal, plain
// lines in a log (one per tenth done, and one a second while nothing else
// was printed, so a stalled run still shows it is alive). tick() is called
// for every unit of work and only compares numbers; text is built when a
// line is drawn.

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const REDRAW_MS = 100;
const LINE_MS = 1000;

export class Progress {
  readonly #out: ProgressStream;
  readonly #label: string;
  readonly #total: number;
  readonly #describe: () => string;
  readonly #tty: boolean;
  readonly #timer: NodeJS.Timeout;
  readonly #t0 = performance.now();
  #done = 0;
  #nextTenth = 1;
  #lastLineAt = this.#t0;
  #dirty = false;
  #ended = false;

  /**
   * `describe` gives the detail after the count ("completed 40, refused 2"),
   * called only when something is drawn.
   */
  constructor(out: ProgressStream, label: string, total: number, describe: () => string) {
    this.#out = out;
    this.#label = label;
    this.#total = total;
    this.#describe = describe;
    this.#tty = out.isTTY === true;
    this.#timer = setInterval(() => this.#onTimer(), this.#tty ? REDRAW_MS : LINE_MS);
    this.#timer.unref();
  }

  /** Records that `done` of the total units are done. */
  tick(done: number): void {
    this.#done = done;
    if (this.#tty) {
      this.#dirty = true;
    } else if (done * 10 >= this.#nextTenth * this.#total) {
      while (done * 10 >= this.#nextTenth * this.#total) this.#nextTenth++;
      this.#line();
    }
  }

  /** Removes the bar (a terminal) or prints nothing more (a log). */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#timer);
    if (this.#tty) this.#out.write('\r\x1b[K');
  }

  #onTimer(): void {
    if (this.#tty) {
      if (this.#dirty) this.#draw();
    } else if (performance.now() - this.#lastLineAt >= LINE_MS - 10) {
      this.#line();
    }
  }

  #text(): string {
    const secs = ((performance.now() - this.#t0) / 1000).toFixed(1);
    // The detail last: on a narrow terminal it is what gets cut.
    return `${this.#done}/${this.#total} (${Math.floor((this.#done / this.#total) * 100)}%) ${secs} s: ${this.#describe()}`;
  }

  #line(): void {
    this.#lastLineAt = performance.now();
    this.#out.write(`${this.#label}: ${this.#text()}\n`);
  }

  #draw(): void {
    this.#dirty = false;
    const columns = this.#out.columns ?? 80;
    const text = this.#text();
    const room = Math.max(10, Math.min(40, columns - text.length - 4));
    const filled = Math.round((this.#done / this.#total) * room);
    const line = `[${'#'.repeat(filled)}${'-'.repeat(room - filled)}] ${text}`;
    this.#out.write(`\r${line.slice(0, columns - 1)}\x1b[K`);
  }
}
