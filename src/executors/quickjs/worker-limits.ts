/**
 * How big what crosses between the host and the QuickJS worker may be, and how much heap the
 * worker gets for it. The worker's heap holds every text on its way through (a tool call's
 * arguments, a tool's result, a run's result, the logs), and a V8 isolate that runs out of heap in
 * the middle of a large allocation aborts the whole process, not just its thread. So every text is
 * capped before it reaches the worker's heap, and the heap is sized with ample room for the caps.
 */

/** The limits of one executor that decide the worker's heap. */
export interface CrossingLimits {
  /** The longest JSON text of one value crossing between the code and the host, in characters. */
  maxValueChars: number;
  maxOutputChars: number;
}

/** The worker's own code and QuickJS's JavaScript glue, with room to spare. */
const BASE_HEAP_MB = 64;
/** Copies of one value the worker may hold at once (the text, its message, a slice, a retry). */
const VALUE_COPIES = 4;
/** Bytes per character of a V8 string in the worst case (two-byte strings). */
const BYTES_PER_CHAR = 2;
/** Variables and scripts sent by the host may be this long even when `maxValueChars` is smaller. */
const MIN_INCOMING_CHARS = 16_000_000;

/** The longest variables JSON or script the host sends the worker at once, in characters. */
export function maxIncomingChars(limits: CrossingLimits): number {
  return Math.max(limits.maxValueChars, MIN_INCOMING_CHARS);
}

/** The heap (V8 old generation, MiB) a worker needs so that no capped text can exhaust it. */
export function workerHeapMb(limits: CrossingLimits): number {
  const chars = VALUE_COPIES * limits.maxValueChars + 2 * limits.maxOutputChars + 2 * maxIncomingChars(limits);
  return BASE_HEAP_MB + Math.ceil((chars * BYTES_PER_CHAR) / (1024 * 1024));
}
