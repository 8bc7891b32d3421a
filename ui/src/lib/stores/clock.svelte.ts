/** A reactive "now", ticking once a second while started. */
export class Clock {
  now = $state(Date.now());
  #timer: ReturnType<typeof setInterval> | null = null;

  start(intervalMs = 1000): void {
    if (this.#timer !== null) return;
    this.now = Date.now();
    this.#timer = setInterval(() => (this.now = Date.now()), intervalMs);
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
