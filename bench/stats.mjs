// Small statistics and timing helpers shared by the benchmark modules.
import { performance } from "node:perf_hooks";

export const now = () => performance.now();

/** Nearest-rank percentile (p in 0..100) of a list of numbers. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values) => percentile(values, 50);
export const best = (values) => Math.min(...values);

/** Runs `fn` `count` times one after the other and returns each call's duration in milliseconds. */
export async function timeEach(count, fn) {
  const times = new Array(count);
  for (let index = 0; index < count; index++) {
    const start = now();
    await fn(index);
    times[index] = now() - start;
  }
  return times;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
