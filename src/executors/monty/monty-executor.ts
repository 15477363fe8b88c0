import { AgentConfigurationError, AgentError, SandboxClosedError } from "../../errors.js";
import { isIdentifier, isPythonKeyword } from "../../tools/identifiers.js";
import type { Tool } from "../../tools/tool.js";
import { answerToolCall } from "../answer-tool-call.js";
import { DEFAULT_AUTHORIZED_IMPORTS, EXECUTOR_DEFAULTS, type CodeOutput, type Executor, type ExecutorOptions, type RunOptions } from "../executor.js";
import { variablesJson } from "../json-text.js";
import { decodeSandboxValue } from "../wire-values.js";
import { ABORTED_ERROR, lostStateError, type StopReason } from "../run-errors.js";
import { POOL_MEMORY_LIMIT_MB, sharedMontyPool, startSandbox } from "./monty-pool.js";
import type { MontyProcess } from "./monty-process.js";
import { positiveLimit } from "../limit-options.js";
import { RunLock } from "../run-lock.js";
import { MONTY_PROMPT_NOTES } from "./prompt-notes.js";
import { INTERNAL_PREFIX, type RunSettings } from "./monty-protocol.js";
import { MAX_ERROR_CHARS } from "./value-limits.js";
import { requireInstalled } from "../installed-package.js";

/** The Monty release this sandbox is built and tested against. */
const MONTY_VERSION = "0.0.18";

/** Options of {@link MontyExecutor}. */
export interface MontyExecutorOptions extends ExecutorOptions {
  /** Take a started sandbox process from the process-wide pool (default), or start a private one. */
  usePool?: boolean;
}

/** Longest timer Node.js honours; a longer time limit is never reached anyway. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs Python in Monty (`@pydantic/monty`), a Python subset interpreted in Rust, in a sandbox
 * process of its own: Monty is native code, and hostile code that makes it fault ends that
 * process, never the host. A run starts in well under a millisecond, has time, memory and
 * recursion limits, and has no file system, network, environment or subprocesses because Monty
 * has none to give (and its process is started with an empty environment). Tools stay on the
 * host: Monty pauses at each call and resumes with the result, so async tools are plain calls in
 * Python. Values leaving the sandbox are limited to `maxValueChars` of JSON.
 *
 * Monty has no classes, generators, `match`, `del` or most of the standard library (see
 * `MONTY_PROMPT_NOTES`); such code fails with an error that names the feature and points to
 * `PyodideExecutor`. Between runs, data, imports and top-level `def` functions are kept; other
 * objects are not, and using one later says so. `reset()` starts a fresh sandbox process.
 *
 * Time limits hold from outside: a run that has not answered `timeoutMs` (plus a short grace)
 * after it started, or an aborted run that does not stop, has its process ended; the run then
 * reports that the sandbox's state is gone.
 */
export class MontyExecutor implements Executor {
  readonly language = "python" as const;
  readonly promptNotes = MONTY_PROMPT_NOTES;
  private readonly settings: RunSettings;
  private readonly timeoutMs: number;
  private readonly usePool: boolean;
  private tools = new Map<string, Tool>();
  private sandbox: Promise<MontyProcess> | undefined;
  /** Set when the sandbox ended while idle: the next run says the state is gone. */
  private lostState: Error | undefined;
  private stopRun: ((reason: StopReason) => void) | undefined;
  /** Runs share the namespace, so they and the requests that touch it take turns. */
  private readonly lock = new RunLock();
  private closed = false;

  constructor(options: MontyExecutorOptions = {}) {
    requireInstalled("@pydantic/monty", `npm install @pydantic/monty@${MONTY_VERSION}`, "MontyExecutor");
    if (options.modules && Object.keys(options.modules).length > 0) {
      throw new AgentConfigurationError("MontyExecutor cannot import your modules (Monty runs a Python subset with a fixed set of modules): use PyodideExecutor, or pass their functions as tools.");
    }
    this.timeoutMs = positiveLimit("timeoutMs", options.timeoutMs, EXECUTOR_DEFAULTS.timeoutMs);
    this.settings = {
      authorizedImports: [...(options.authorizedImports ?? DEFAULT_AUTHORIZED_IMPORTS)],
      timeoutMs: null,
      maxOutputChars: positiveLimit("maxOutputChars", options.maxOutputChars, EXECUTOR_DEFAULTS.maxOutputChars),
      memoryLimitMb: positiveLimit("memoryLimitMb", options.memoryLimitMb, EXECUTOR_DEFAULTS.memoryLimitMb),
      maxValueChars: positiveLimit("maxValueChars", options.maxValueChars, EXECUTOR_DEFAULTS.maxValueChars),
    };
    this.usePool = options.usePool ?? true;
  }

  get authorizedImports(): readonly string[] {
    return this.settings.authorizedImports;
  }

  /** Starts `count` sandbox processes in the background, so later executors start warm. */
  static prewarm(count = 1): Promise<void> {
    return sharedMontyPool.prewarm(count);
  }

  /** Ends the spare sandbox processes of the shared pool. */
  static drainPool(): Promise<void> {
    return sharedMontyPool.drain();
  }

  async sendTools(tools: readonly Tool[]): Promise<void> {
    this.ensureOpen();
    this.tools = new Map(tools.map((tool) => [tool.name, tool]));
  }

  async sendVariables(variables: Record<string, unknown>): Promise<void> {
    this.ensureOpen();
    const json = variablesJson(variables);
    for (const name of Object.keys(variables)) {
      if (!isIdentifier(name) || isPythonKeyword(name) || name.startsWith(INTERNAL_PREFIX)) {
        throw new AgentError(`Cannot send the variable ${JSON.stringify(name)} to the sandbox: its name is not a Python identifier.`);
      }
    }
    await this.exclusive(async () => {
      const complaint = await (await this.liveSandbox()).sendVariables(json);
      if (complaint !== undefined) throw new AgentError(`Cannot send these variables to the sandbox: ${complaint}.`);
    });
  }

  /** A fresh sandbox process: nothing an earlier task defined or changed can act later. */
  async reset(): Promise<void> {
    this.ensureOpen();
    await this.exclusive(async () => {
      this.lostState = undefined;
      this.replaceSandbox("reset");
    });
  }

  async run(code: string, options: RunOptions = {}): Promise<CodeOutput> {
    this.ensureOpen();
    positiveLimit("timeoutMs", options.timeoutMs, this.timeoutMs);
    return this.lock.run(options, () => this.runAlone(code.replace(/\r\n?/g, "\n"), options));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopRun?.("abort");
    const sandbox = await this.sandbox?.catch(() => undefined);
    this.sandbox = undefined;
    if (sandbox) {
      sandbox.kill("closed");
      await sandbox.hold(sandbox.exited);
    }
  }

  private async runAlone(code: string, options: RunOptions): Promise<CodeOutput> {
    if (options.signal?.aborted) return { output: null, logs: "", isFinalAnswer: false, error: ABORTED_ERROR };
    let sandbox: MontyProcess;
    try {
      sandbox = await this.liveSandbox();
    } catch (error) {
      // Closed while its sandbox was starting: the run was stopped before it began.
      if (this.closed) return { output: null, logs: "", isFinalAnswer: false, error: ABORTED_ERROR };
      throw error;
    }
    // Starting a sandbox takes a moment: the caller may have given up meanwhile.
    if (options.signal?.aborted) return { output: null, logs: "", isFinalAnswer: false, error: ABORTED_ERROR };
    if (this.lostState !== undefined) {
      const cause = this.lostState;
      this.lostState = undefined;
      return { output: null, logs: "", isFinalAnswer: false, error: lostStateError(undefined, 0, cause) };
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const { id, result } = sandbox.startRun({
      code,
      tools: [...this.tools.keys()],
      settings: { ...this.settings, timeoutMs },
    });
    const toolAbort = new AbortController();
    let stopReason: StopReason | undefined;
    let hardStop: NodeJS.Timeout | undefined;
    const stop = (reason: StopReason) => {
      if (stopReason !== undefined) return;
      stopReason = reason;
      toolAbort.abort(new AgentError(reason === "timeout" ? `The run timed out after ${timeoutMs} ms.` : "The run was aborted."));
      sandbox.stop(id, reason);
      // Monty stops at its next pause or time check; a long native operation gets the process ended.
      hardStop = setTimeout(() => sandbox.kill(`did not stop within the grace period (${reason})`), graceMs(reason, timeoutMs));
    };
    const onAbort = () => stop("abort");
    const timer = timeoutMs <= MAX_TIMER_MS ? setTimeout(() => stop("timeout"), timeoutMs) : undefined;
    options.signal?.addEventListener("abort", onAbort, { once: true });
    this.stopRun = stop;
    sandbox.onToolCall = (call) => answerToolCall(this.tools, call, "python", toolAbort.signal, options, this.settings.maxValueChars);
    try {
      const message = await result;
      if (message.error !== undefined) return { output: message.output, logs: message.logs, isFinalAnswer: message.isFinalAnswer, error: message.error };
      const decoded = decodeSandboxValue(message.output, message.isFinalAnswer ? "The final answer" : "The last line's value");
      if (decoded.error !== undefined) return { output: null, logs: message.logs, isFinalAnswer: false, error: decoded.error };
      return { output: decoded.value, logs: message.logs, isFinalAnswer: message.isFinalAnswer };
    } catch (error) {
      // The process ended: a native fault, the grace period ran out, or it broke the protocol.
      this.replaceSandbox("ended during a run");
      return { output: null, logs: "", isFinalAnswer: false, error: lostStateError(stopReason, timeoutMs, error) };
    } finally {
      // A tool still running belongs to a run that is over (the sandbox may have stopped on its own clock).
      if (!toolAbort.signal.aborted) toolAbort.abort(new AgentError("The run ended before the tool finished."));
      clearTimeout(timer);
      clearTimeout(hardStop);
      options.signal?.removeEventListener("abort", onAbort);
      sandbox.onToolCall = undefined;
      this.stopRun = undefined;
    }
  }

  /** The sandbox, replaced first if it ended while idle (the next run then reports the lost state). */
  private async liveSandbox(): Promise<MontyProcess> {
    const sandbox = await this.ready();
    if (sandbox.alive) return sandbox;
    this.lostState ??= new AgentError(sandbox.endReason ?? "the sandbox process ended");
    this.replaceSandbox("ended while idle");
    return this.ready();
  }

  private ready(): Promise<MontyProcess> {
    if (this.closed) return Promise.reject(new SandboxClosedError());
    this.sandbox ??= this.prepareSandbox();
    return this.sandbox;
  }

  private async prepareSandbox(): Promise<MontyProcess> {
    let sandbox: MontyProcess;
    try {
      const { memoryLimitMb } = this.settings;
      sandbox = await (this.usePool && memoryLimitMb === POOL_MEMORY_LIMIT_MB ? sharedMontyPool.acquire() : startSandbox(memoryLimitMb));
    } catch (error) {
      this.sandbox = undefined; // the next call tries again
      throw error;
    }
    if (this.closed) {
      sandbox.kill("closed");
      throw new SandboxClosedError();
    }
    sandbox.setLineLimit(lineLimit(this.settings));
    return sandbox;
  }

  /** Ends the current sandbox and starts its replacement, so the next run does not wait for it. */
  private replaceSandbox(reason: string): void {
    const previous = this.sandbox;
    this.sandbox = undefined;
    void previous?.then((sandbox) => sandbox.kill(reason), () => undefined);
    if (!this.closed) this.ready().catch(() => undefined);
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.lock.exclusive(task);
  }

  private ensureOpen(): void {
    if (this.closed) throw new SandboxClosedError();
  }
}

/**
 * How long a stopped run may take to answer before its process is ended. At its time limit Monty
 * stops itself, but the statement's values are then handed over, which for a large namespace
 * takes a moment; an abort is answered at the next pause, or never by a loop that has none.
 */
function graceMs(reason: StopReason, timeoutMs: number): number {
  if (reason === "abort") return 1_000;
  return 1_000 + Math.min(4_000, timeoutMs / 10);
}

/**
 * The longest line the sandbox may send: a result holds a value of at most `maxValueChars`, logs
 * of at most `maxOutputChars` and an error message, each of whose characters JSON may write as six.
 */
function lineLimit(settings: RunSettings): number {
  return 6 * (settings.maxValueChars + settings.maxOutputChars + MAX_ERROR_CHARS) + 64 * 1024;
}
