/**
 * Checks of the numeric limits a user gives an executor. A limit that is not a finite
 * positive number (NaN from a bad parse, a negative, Infinity) would switch a check off or break
 * every run later; it is refused when the executor is made, with the option's name.
 */
import { AgentConfigurationError } from "../errors.js";

/** `value`, or `fallback` when it is undefined; throws `AgentConfigurationError` unless it is a finite positive number. */
export function positiveLimit(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return value;
  throw new AgentConfigurationError(
    `The executor option ${name} must be a finite positive number, not ${typeof value === "number" ? String(value) : JSON.stringify(value)}. ` +
      `Leave it out for the default (${fallback.toLocaleString("en-US")}).`,
  );
}
