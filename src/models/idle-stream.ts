/**
 * A limit on silence in a streamed reply. A provider's time limit covers the wait for the answer
 * to start; a stream that then stops sending (a stalled proxy, a hung server) would otherwise keep
 * an agent waiting for ever. Each piece must arrive within `idleMs` of the one before.
 */

import { ModelCallError } from "../errors.js";

/** The error for a stream from `server` that sent nothing for `idleMs`: worth trying again. */
export function stalledStreamError(server: string, idleMs: number): ModelCallError {
  return new ModelCallError(
    `${server.charAt(0).toUpperCase()}${server.slice(1)} stopped sending its streamed reply: nothing came for ${idleMs} ms. Trying again may work; \`timeoutMs\` sets how long a silence may last.`,
    { retryable: true, option: "timeoutMs" },
  );
}

/** Marks the time-out inside the race, told apart from the stream's own errors. */
const IDLE = Symbol("idle");

/**
 * Yields what `source` yields. When nothing arrives for `idleMs`, calls `onIdle` (which should
 * abort the request under the stream, and returns the error to throw) and throws its error; the
 * source is then closed without waiting for it.
 */
export async function* idleLimited<T>(source: AsyncIterable<T>, idleMs: number, onIdle: () => Error): AsyncGenerator<T, void, undefined> {
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  let stalled = false;
  try {
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const silence = new Promise<typeof IDLE>((resolve) => {
        timer = setTimeout(() => resolve(IDLE), idleMs);
      });
      let result: IteratorResult<T> | typeof IDLE;
      try {
        result = await Promise.race([iterator.next(), silence]);
      } finally {
        clearTimeout(timer);
      }
      if (result === IDLE) {
        stalled = true;
        throw onIdle();
      }
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    // A stalled source still has a read pending: closing it is not waited for.
    if (!finished) {
      const closing = iterator.return?.();
      if (stalled) void closing?.catch(() => undefined);
      else await closing;
    }
  }
}
