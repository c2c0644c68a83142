/**
 * When the dashboard re-reads its data after live events. Events are coalesced (one read per
 * `debounceMs`), and a read is never started while one is in flight: Remix's `revalidate()` aborts the
 * running one, so with events coming faster than a read takes (busy trading, a loaded server) every read
 * was aborted by the next and the page stayed stale for as long as the events kept coming. An event
 * during a read asks for one more read when it ends.
 */
export class ReloadScheduler {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** when the read in flight started; null while none is */
  private busySince: number | null = null;
  private again = false;

  /**
   * `maxBusyMs`: a read not reported settled by then is taken as done (a state change React batched
   * away must not stop the page's reads for good).
   */
  constructor(
    private readonly revalidate: () => void,
    private readonly debounceMs = 200,
    private readonly maxBusyMs = 10_000,
  ) {}

  /** An event changed what the page shows: read again soon (once, however many events come). */
  request(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.busySince !== null && Date.now() - this.busySince < this.maxBusyMs) {
        this.again = true;
        return;
      }
      this.busySince = Date.now();
      this.revalidate();
    }, this.debounceMs);
  }

  /** The router's revalidation state, on every change: a finished read runs the one asked for meanwhile. */
  settled(idle: boolean): void {
    if (!idle) {
      this.busySince ??= Date.now();
      return;
    }
    this.busySince = null;
    if (this.again) {
      this.again = false;
      this.request();
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
