/**
 * Runs share one namespace, so an executor takes them one at a time. A run waiting for its turn
 * has not started: its time limit starts when it does, and aborting it while it waits takes it out
 * of the queue at once, without running anything.
 */
import { Semaphore } from "../semaphore.js";
import type { CodeError, CodeOutput, RunOptions } from "./executor.js";

/** The error of a run aborted while it waited for the run before it. */
export const ABORTED_WHILE_QUEUED: CodeError = Object.freeze({
  type: "AbortError",
  message: "The run was aborted while it waited for the previous run to finish; none of its code ran.",
});

/** One executor's turn-taking: runs and the other requests that use the namespace. */
export class RunLock {
  private readonly semaphore = new Semaphore(1);

  /** Runs `task` alone; a run aborted while it waits resolves with {@link ABORTED_WHILE_QUEUED}. */
  async run(options: RunOptions, task: () => Promise<CodeOutput>): Promise<CodeOutput> {
    let release: () => void;
    try {
      release = await this.semaphore.acquire(options.signal);
    } catch {
      return { output: null, logs: "", isFinalAnswer: false, error: { ...ABORTED_WHILE_QUEUED } };
    }
    try {
      return await task();
    } finally {
      release();
    }
  }

  /** Runs `task` alone (sending tools or variables, a reset). */
  async exclusive<T>(task: () => Promise<T>): Promise<T> {
    const release = await this.semaphore.acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }
}
