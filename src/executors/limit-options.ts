/**
 * Checks of the numeric limits a user gives an executor. A limit that is not a finite
 * positive number (NaN from a bad parse, a negative, Infinity) would switch a check off or break
 * every run later; it is refused when the executor is made, with the option's name.
 */
import { AgentConfigurationError } from "../errors.js";

/** The longest delay a Node timer takes (2^31 - 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

/** `value`, or `fallback` when it is undefined; throws `AgentConfigurationError` unless it is a finite positive number. */
export function positiveLimit(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  // A timer cannot wait longer than this: Node fires a longer one at once.
  if (name.endsWith("Ms") && typeof value === "number" && Number.isFinite(value) && value > MAX_TIMER_MS) {
    throw new AgentConfigurationError(`The executor option ${name} may be at most ${MAX_TIMER_MS.toLocaleString("en-US")} (about 24.8 days), not ${value}.`);
  }
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return value;
  throw new AgentConfigurationError(
    `The executor option ${name} must be a finite positive number, not ${typeof value === "number" ? String(value) : JSON.stringify(value)}. ` +
      `Leave it out for the default (${fallback.toLocaleString("en-US")}).`,
  );
}
