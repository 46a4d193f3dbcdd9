/**
 * A fixed number of numbered slots shared by every run of a grading session: `--jobs N` runs at most
 * N exercise runs at once, whatever submission they belong to, and the slot number picks the run's
 * user id (two concurrent runs never share one).
 */
export class Slots {
  readonly #free: number[];
  readonly #waiting: Array<(slot: number) => void> = [];

  constructor(count: number) {
    this.#free = Array.from({ length: Math.max(1, count) }, (_, i) => i);
  }

  async use<T>(fn: (slot: number) => Promise<T>): Promise<T> {
    const slot = this.#free.shift() ?? (await new Promise<number>((resolve) => this.#waiting.push(resolve)));
    try {
      return await fn(slot);
    } finally {
      const next = this.#waiting.shift();
      if (next) next(slot);
      else {
        this.#free.push(slot);
        this.#free.sort((a, b) => a - b);
      }
    }
  }
}
