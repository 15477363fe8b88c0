/**
 * The memory a value converted from Monty takes in the sandbox process, estimated so the values
 * kept between runs can be held to `memoryLimitMb`: Monty's own limit covers its heap, not the
 * JavaScript copies the namespace keeps. The walk is iterative and stops as soon as the value is
 * too large or nested too deeply, so measuring costs no more than the budget.
 */

/**
 * Deeper values are not kept: passing one back into Monty converts it recursively, and past some
 * 500 levels that overflows the stack.
 */
export const MAX_KEPT_DEPTH = 300;

/** Estimated bytes of `value`, or why it cannot be kept: more than `maxBytes`, or nested deeper than {@link MAX_KEPT_DEPTH}. */
export function keptSize(value: unknown, maxBytes: number): number | "too-large" | "too-deep" {
  let total = 0;
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    if (depth > MAX_KEPT_DEPTH) return "too-deep";
    total += 16;
    if (typeof item === "string") total += item.length;
    else if (typeof item === "bigint") total += item.toString(16).length;
    else if (Buffer.isBuffer(item)) total += item.length;
    else if (Array.isArray(item) || item instanceof Set) {
      total += 8 * (Array.isArray(item) ? item.length : item.size);
      if (total > maxBytes) return "too-large";
      for (const inner of item) pending.push([inner, depth + 1]);
    } else if (item instanceof Map) {
      total += 16 * item.size;
      if (total > maxBytes) return "too-large";
      for (const [key, inner] of item) pending.push([key, depth + 1], [inner, depth + 1]);
    } else if (typeof item === "object" && item !== null) {
      for (const inner of Object.values(item)) pending.push([inner, depth + 1]);
    }
    if (total > maxBytes) return "too-large";
  }
  return total;
}
