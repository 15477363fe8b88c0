import { SandboxClosedError, ScriptExhaustedError } from "../errors.js";
import type { Tool } from "../tools/tool.js";
import type { CodeOutput, Executor, ExecutorLanguage, RunOptions } from "./executor.js";
import { ABORTED_ERROR } from "./run-errors.js";
import { RunLock } from "./run-lock.js";

/**
 * One scripted answer: the output a run returns, or a function that makes it from the code and
 * the run's options (to check what the agent sent, or to call a tool the way a sandbox would).
 */
export type ScriptedRun = CodeOutput | ((code: string, options: RunOptions) => CodeOutput | Promise<CodeOutput>);

/** Options of {@link ScriptedExecutor}. */
export interface ScriptedExecutorOptions {
  /** The language the executor claims to run (the agent's prompt follows it). Default "python". */
  language?: ExecutorLanguage;
}

/**
 * An executor that runs nothing: each `run()` returns the next scripted answer, in order. For
 * tests of agent loops that should not start a sandbox, and for replaying recorded runs. Runs
 * take turns like a real executor's, an aborted signal gives the usual `AbortError`, and
 * everything it was sent is recorded. When the script runs out it throws {@link ScriptExhaustedError}.
 */
export class ScriptedExecutor implements Executor {
  readonly language: ExecutorLanguage;
  /** Every run, in order: the code and its options. */
  readonly runs: { code: string; options: RunOptions }[] = [];
  /** Every set of variables sent, in order. */
  readonly sentVariables: Record<string, unknown>[] = [];
  /** The tools last sent. */
  tools: readonly Tool[] = [];
  /** How many times `reset()` was called. */
  resets = 0;
  private readonly script: ScriptedRun[];
  private readonly lock = new RunLock();
  private closed = false;

  constructor(script: readonly ScriptedRun[], options: ScriptedExecutorOptions = {}) {
    this.script = [...script];
    this.language = options.language ?? "python";
  }

  /** How many scripted answers are left. */
  get remaining(): number {
    return this.script.length;
  }

  async sendTools(tools: readonly Tool[]): Promise<void> {
    this.ensureOpen();
    this.tools = [...tools];
  }

  async sendVariables(variables: Record<string, unknown>): Promise<void> {
    this.ensureOpen();
    this.sentVariables.push({ ...variables });
  }

  async run(code: string, options: RunOptions = {}): Promise<CodeOutput> {
    this.ensureOpen();
    return this.lock.run(options, async () => {
      this.runs.push({ code, options });
      if (options.signal?.aborted) return { output: null, logs: "", isFinalAnswer: false, error: { ...ABORTED_ERROR } };
      const next = this.script.shift();
      if (next === undefined) {
        throw new ScriptExhaustedError(
          `ScriptedExecutor has no answer left for run ${this.runs.length}: add one to its script for this run.`,
        );
      }
      const output = typeof next === "function" ? await next(code, options) : next;
      return { ...output };
    });
  }

  async reset(): Promise<void> {
    this.ensureOpen();
    this.resets++;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private ensureOpen(): void {
    if (this.closed) throw new SandboxClosedError();
  }
}
