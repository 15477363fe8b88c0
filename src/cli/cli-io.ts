/**
 * What the CLI reads and writes, injected so tests can capture it, and the exit codes it ends with.
 */

/** What the CLI reads and writes. */
export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
}

/** Exit codes: 0 success, 1 the run failed, 2 bad usage, 130 interrupted (128 + SIGINT, as shells do). */
export const EXIT = Object.freeze({ success: 0, failure: 1, usage: 2, interrupted: 130 });
