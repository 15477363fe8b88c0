import { AgentError, SandboxClosedError } from "../../errors.js";
import type { Tool } from "../../tools/tool.js";
import { EXECUTOR_DEFAULTS, type CodeOutput, type Executor, type ExecutorOptions, type RunOptions } from "../executor.js";
import { answerToolCall } from "../answer-tool-call.js";
import { positiveLimit } from "../limit-options.js";
import { RunLock } from "../run-lock.js";
import { variablesJson } from "../json-text.js";
import { lostStateError, timeLimitNote } from "../run-errors.js";
import { toCodeOutput } from "./run-output.js";
import type { SandboxThread, ThreadToolCall } from "./sandbox-thread.js";
import { POOL_HEAP_MB, sharedThreadPool, startThread } from "./thread-pool.js";
import { transformCode } from "./transform-code.js";
import { boundedToolReply, maxIncomingChars, workerHeapMb } from "./worker-limits.js";

/**
 * How long QuickJS gets to honour an interrupt before its thread is ended and replaced. Its
 * interrupt handler runs every few thousand operations, so only a long native operation (one huge
 * `join`, `repeat` or `sort`) takes longer than milliseconds.
 */
const INTERRUPT_GRACE_MS = 1_000;

/** Options of {@link QuickJsExecutor}. `authorizedImports` does not apply: there are no modules. */
export interface QuickJsExecutorOptions extends ExecutorOptions {
  /** Take a warm thread from the process-wide pool (default), or start a private one. */
  usePool?: boolean;
}

/**
 * Runs JavaScript in QuickJS (compiled to WebAssembly) on a worker thread of its own. The code
 * sees only the ECMAScript built-ins, `console`, timers, `final_answer` and the tools: no Node.js,
 * no modules, no network or files. Tools stay on the host and are plain synchronous functions in
 * the sandbox (`get_weather({ city: "Paris" })` or `get_weather("Paris")`; `await` works too);
 * only JSON crosses the boundary, at most `maxValueChars` of it per value. Variables, functions and
 * classes persist between runs; `reset()` moves to a fresh thread, so nothing of before remains.
 */
export class QuickJsExecutor implements Executor {
  readonly language = "javascript" as const;
  private readonly timeoutMs: number;
  private readonly maxOutputChars: number;
  private readonly memoryLimitMb: number;
  private readonly maxValueChars: number;
  private readonly heapMb: number;
  private readonly usePool: boolean;
  /** Runs share the namespace, so they take turns; a run's time limit starts with its turn. */
  private readonly lock = new RunLock();
  private tools = new Map<string, Tool>();
  /** The tool names each thread has, so a thread configured with them is not sent them again. */
  private readonly installedTools = new WeakMap<SandboxThread, string>();
  private thread: Promise<SandboxThread> | undefined;
  private runCount = 0;
  /** Set when an idle thread ended and was replaced: the next run says the state is gone. */
  private lostState: Error | undefined;
  private closed = false;

  constructor(options: QuickJsExecutorOptions = {}) {
    this.timeoutMs = positiveLimit("timeoutMs", options.timeoutMs, EXECUTOR_DEFAULTS.timeoutMs);
    this.maxOutputChars = positiveLimit("maxOutputChars", options.maxOutputChars, EXECUTOR_DEFAULTS.maxOutputChars);
    this.memoryLimitMb = positiveLimit("memoryLimitMb", options.memoryLimitMb, EXECUTOR_DEFAULTS.memoryLimitMb);
    this.maxValueChars = positiveLimit("maxValueChars", options.maxValueChars, EXECUTOR_DEFAULTS.maxValueChars);
    this.heapMb = workerHeapMb({ maxValueChars: this.maxValueChars, maxOutputChars: this.maxOutputChars });
    // The pool's threads have the heap the default limits need; larger limits need a thread of their own.
    this.usePool = (options.usePool ?? true) && this.heapMb <= POOL_HEAP_MB;
  }

  /** Starts `count` threads in the background of this process, so later executors start warm. */
  static prewarm(count = 1): Promise<void> {
    return sharedThreadPool.prewarm(count);
  }

  /** Ends the warm spare threads of the shared pool. */
  static drainPool(): Promise<void> {
    return sharedThreadPool.drain();
  }

  /** Starts the sandbox now rather than on first use. */
  async start(): Promise<void> {
    await this.ready();
  }

  async sendTools(tools: readonly Tool[]): Promise<void> {
    this.tools = new Map(tools.map((tool) => [tool.name, tool]));
    const names = [...this.tools.keys()];
    const thread = await this.liveThread();
    // A thread started by this call was configured with these tools already.
    if (this.installedTools.get(thread) === names.join(",")) return;
    try {
      await thread.request({ type: "tools", tools: names });
      this.installedTools.set(thread, names.join(","));
    } catch (error) {
      // The code blocked a tool's name for good, and the thread ended: a fresh one gets the tools.
      await this.moveToFreshThread(error);
    }
  }

  async sendVariables(variables: Record<string, unknown>): Promise<void> {
    const json = variablesJson(variables);
    const limit = this.incomingLimit();
    if (json.length > limit) {
      throw new AgentError(
        `Cannot send these variables to the sandbox: their JSON is ${json.length.toLocaleString("en-US")} characters, ` +
          `more than the ${limit.toLocaleString("en-US")} it takes at once. Send less, or raise maxValueChars.`,
      );
    }
    const thread = await this.liveThread();
    try {
      await thread.request({ type: "variables", json });
    } catch (error) {
      // The code blocked a variable's name for good, and the thread ended: a fresh one gets them.
      await (await this.moveToFreshThread(error)).request({ type: "variables", json });
    }
  }

  /**
   * A fresh thread (a warm one from the pool): a new interpreter in new memory, so nothing the code
   * defined, wrapped or left queued acts after it. Tools are installed in it again.
   */
  async reset(): Promise<void> {
    await this.lock.exclusive(async () => {
      if (this.closed) throw new SandboxClosedError();
      this.lostState = undefined; // a fresh state is what was asked for
      this.replaceThread("reset");
      await this.ready();
    });
  }

  async run(code: string, options: RunOptions = {}): Promise<CodeOutput> {
    return this.lock.run(options, () => this.runAlone(code, options));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const thread = await this.thread?.catch(() => undefined);
    this.thread = undefined;
    if (thread) {
      thread.kill("closed");
      await thread.hold(thread.exited);
    }
  }

  private async runAlone(code: string, options: RunOptions): Promise<CodeOutput> {
    const thread = await this.liveThread();
    if (this.lostState !== undefined) {
      const cause = this.lostState;
      this.lostState = undefined;
      return { output: null, logs: "", isFinalAnswer: false, error: lostStateError(undefined, 0, cause) };
    }
    const transformed = transformCode(code);
    if (!transformed.ok) return { output: null, logs: "", isFinalAnswer: false, error: transformed.error };
    if (transformed.script.length > this.incomingLimit()) {
      const message = `The code is ${code.length.toLocaleString("en-US")} characters long, more than the sandbox takes; send shorter code.`;
      return { output: null, logs: "", isFinalAnswer: false, error: { type: "RangeError", message } };
    }
    const timeoutMs = positiveLimit("timeoutMs", options.timeoutMs, this.timeoutMs);
    const runId = ++this.runCount;
    const toolAbort = new AbortController();
    let stopReason: "timeout" | "abort" | undefined;
    let hardStop: NodeJS.Timeout | undefined;

    const stop = (reason: "timeout" | "abort") => {
      if (stopReason !== undefined) return;
      stopReason = reason;
      toolAbort.abort(new AgentError(reason === "timeout" ? "The run timed out." : "The run was aborted."));
      thread.interrupt(runId, reason);
      thread.interruptToolCalls(reason === "timeout" ? timeLimitNote(timeoutMs) : "The run was aborted.");
      hardStop = setTimeout(() => thread.kill("did not respond to an interrupt"), INTERRUPT_GRACE_MS);
    };
    const onAbort = () => stop("abort");
    const timer = setTimeout(() => stop("timeout"), timeoutMs);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) stop("abort");
    thread.onToolCall = async (call) =>
      boundedToolReply(call.name, await answerToolCall(this.tools, { ...call, kwargs: {} }, "javascript", toolAbort.signal, options), this.maxValueChars);

    try {
      const message = await thread.request({ type: "run", runId, script: transformed.script });
      if (message.type !== "result") throw new AgentError("The sandbox answered a run without a result.");
      if (message.jobsLeft) {
        // Their next step would run in a later run: the thread must go, and the state with it.
        this.lostState = new AgentError("the previous run left more unfinished promise jobs (async work it did not await) than could be stopped");
        this.replaceThread("left promise jobs running");
      }
      return toCodeOutput(message.logs, message.outcome, { code, timeoutMs, memoryLimitMb: this.memoryLimitMb });
    } catch (error) {
      // The thread ended: killed after ignoring an interrupt, a WebAssembly trap, or out of heap.
      this.replaceThread("replaced");
      return { output: null, logs: "", isFinalAnswer: false, error: lostStateError(stopReason, timeoutMs, error) };
    } finally {
      clearTimeout(timer);
      clearTimeout(hardStop);
      options.signal?.removeEventListener("abort", onAbort);
      thread.onToolCall = undefined;
    }
  }

  /**
   * The thread, replaced first if it ended while idle. The next run then reports the lost state
   * instead of running, as it would had the thread died during it.
   */
  private async liveThread(): Promise<SandboxThread> {
    const thread = await this.ready();
    if (thread.alive) return thread;
    this.lostState ??= new AgentError(thread.endReason ?? "the thread ended");
    this.replaceThread("replaced");
    return this.ready();
  }

  private ready(): Promise<SandboxThread> {
    if (this.closed) return Promise.reject(new SandboxClosedError());
    this.thread ??= this.prepareThread();
    return this.thread;
  }

  private async prepareThread(): Promise<SandboxThread> {
    const thread = await (this.usePool ? sharedThreadPool.acquire() : startThread(this.heapMb));
    if (this.closed) {
      thread.kill("closed");
      throw new SandboxClosedError();
    }
    const tools = [...this.tools.keys()];
    await thread.request({
      type: "configure",
      memoryLimitBytes: this.memoryLimitMb * 1024 * 1024,
      maxOutputChars: this.maxOutputChars,
      maxValueChars: this.maxValueChars,
      tools,
    });
    this.installedTools.set(thread, tools.join(","));
    return thread;
  }

  /** Replaces a thread that ended because of `cause`; the next run says the state is gone. */
  private async moveToFreshThread(cause: unknown): Promise<SandboxThread> {
    this.lostState ??= cause instanceof Error ? cause : new AgentError(String(cause));
    this.replaceThread("replaced");
    return this.ready();
  }

  /** The longest variables JSON or script sent to the thread at once. */
  private incomingLimit(): number {
    return maxIncomingChars({ maxValueChars: this.maxValueChars, maxOutputChars: this.maxOutputChars });
  }

  private replaceThread(reason: string): void {
    const previous = this.thread;
    this.thread = undefined;
    void previous?.then((thread) => thread.kill(reason), () => undefined);
    if (!this.closed) {
      // Start the replacement now so the next run does not wait for it.
      this.thread = this.prepareThread();
      this.thread.catch(() => undefined);
    }
  }
}
