/** The error of a command line that cannot be run. */

/** A command line that cannot be run; the message says what is wrong. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
