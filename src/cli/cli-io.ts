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
  /**
   * Hears SIGTERM, for a command that stops gracefully on it (`worker`); returns a function that
   * stops listening. Other commands do not listen, so SIGTERM ends them at once as it always has.
   */
  onTerminate?(listener: () => void): () => void;
}

/**
 * Exit codes: 0 success, 1 the run failed, 2 bad usage, 3 the run has not ended yet (`result`),
 * 130 interrupted (128 + SIGINT, as shells do).
 */
export const EXIT = Object.freeze({ success: 0, failure: 1, usage: 2, notEnded: 3, interrupted: 130 });
