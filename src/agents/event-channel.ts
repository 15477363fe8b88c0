/**
 * A one-producer, one-consumer queue that turns callbacks into an async iterable: the loop pushes
 * events as they happen, `stream()` yields them in order. Ends with the producer's result or error.
 */
export class EventChannel<T> implements AsyncIterable<T> {
  private readonly buffer: T[] = [];
  private waiting: (() => void) | undefined;
  private finished = false;
  private failure: { error: unknown } | undefined;

  push(item: T): void {
    this.buffer.push(item);
    this.wake();
  }

  close(): void {
    this.finished = true;
    this.wake();
  }

  fail(error: unknown): void {
    this.failure = { error };
    this.close();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      while (this.buffer.length > 0) yield this.buffer.shift()!;
      if (this.finished) {
        if (this.failure) throw this.failure.error;
        return;
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}
