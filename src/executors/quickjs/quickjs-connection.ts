/**
 * A QuickJS worker thread as a {@link SandboxConnection}: the run lifecycle every sandbox shares
 * (ChannelExecutor) drives it with the bridge protocol's requests, translated here into the
 * worker's own messages (protocol.ts) and back. What stays QuickJS's own: the code is rewritten for
 * REPL semantics before it is sent, tools take positional arguments, an interrupt is one
 * `Atomics.store` naming the run, and a thread that a run left with promise jobs it could not stop
 * is retired with the run's result: the host replaces it at once, and the next run says the state
 * is gone.
 */
import { AgentError, SandboxError } from "../../errors.js";
import type { HostRequest, ResultLimits, SandboxRunResult } from "../channel/bridge-protocol.js";
import type { SandboxConnection, ToolCallHandler } from "../channel/sandbox-connection.js";
import { EXECUTOR_DEFAULTS } from "../executor.js";
import { moduleImportError, type SandboxModule } from "../sandbox-modules.js";
import { transformModules } from "./module-transform.js";
import type { RunOutcome } from "./protocol.js";
import { runResult } from "./run-output.js";
import { SandboxThreadExitedError, type SandboxThread, type ThreadToolCall } from "./sandbox-thread.js";
import { transformCode } from "./transform-code.js";
import { maxIncomingChars, type CrossingLimits } from "./worker-limits.js";

/**
 * How long QuickJS gets to honour an interrupt before its thread is ended and replaced. Its
 * interrupt handler runs every few thousand operations, so only a long native operation (one huge
 * `join`, `repeat` or `sort`) takes longer than milliseconds.
 */
const INTERRUPT_GRACE_MS = 1_000;

type RunRequest = Extract<HostRequest, { type: "run" }>;

/** One QuickJS worker thread, driven by the shared run lifecycle; see the module comment. */
export class QuickJsConnection implements SandboxConnection {
  /** A thread is handed over started (from the pool, or waited for). */
  readonly ready = Promise.resolve();
  readonly interruptGraceMs = INTERRUPT_GRACE_MS;
  /** The worker sets tools and variables with its own functions, which no code can replace or stall. */
  readonly requestsNeedTimeLimit = false;
  onToolCall: ToolCallHandler | undefined;
  private limits: CrossingLimits = EXECUTOR_DEFAULTS;
  private memoryLimitMb: number = EXECUTOR_DEFAULTS.memoryLimitMb;
  /** The user's module files by path, to quote their lines in a stack. */
  private moduleSources = new Map<string, string>();
  /** The run in flight (or the last one): what an interrupt names. */
  private runId = 0;

  constructor(readonly thread: SandboxThread) {
    thread.onToolCall = (call) => this.answerToolCall(call);
  }

  get exited(): Promise<void> {
    return this.thread.exited;
  }

  get alive(): boolean {
    return this.thread.alive;
  }

  async request(message: HostRequest): Promise<Record<string, unknown>> {
    if (!this.thread.alive) throw new SandboxThreadExitedError(`The JavaScript sandbox ${this.thread.endReason ?? "stopped"}`);
    switch (message.type) {
      case "configure":
        this.limits = { maxValueChars: message.maxValueChars, maxOutputChars: message.maxOutputChars };
        this.memoryLimitMb = message.memoryLimitMb;
        return this.thread.request({
          type: "configure",
          memoryLimitBytes: message.memoryLimitMb * 1024 * 1024,
          maxOutputChars: message.maxOutputChars,
          maxValueChars: message.maxValueChars,
          tools: toolNames(message.toolsJson),
        });
      case "tools":
        return this.thread.request({ type: "tools", tools: toolNames(message.toolsJson) });
      case "variables":
        this.checkIncoming(message.json.length);
        return this.thread.request({ type: "variables", json: message.json });
      case "run":
        return this.run(message);
      case "modules":
        return this.installModules(JSON.parse(message.modulesJson) as SandboxModule[]);
    }
  }

  interrupt(): void {
    this.thread.interrupt(this.runId);
  }

  /**
   * The worker takes an interrupted tool reply for a stop only once the run is marked stopped, so
   * the interrupt goes first: the run then ends as interrupted, not as a failed tool call.
   */
  interruptToolCalls(message: string): boolean {
    this.interrupt();
    return this.thread.interruptToolCalls(message);
  }

  kill(reason: string): void {
    this.thread.kill(reason);
  }

  hold<T>(work: Promise<T>): Promise<T> {
    return this.thread.hold(work);
  }

  // The worker is the host's own code outside QuickJS's memory, reached by structured messages,
  // not lines: it enforces the limits `configure` gives it with built-ins the code cannot reach, so
  // the host has nothing to measure again (the worker's heap is sized for them, worker-limits.ts).
  limitLineLength(_maxLineLength: number): void {}
  limitResults(_limits: ResultLimits): void {}
  limitMemory(_memoryLimitMb: number): void {}

  private async run(message: RunRequest): Promise<SandboxRunResult & Record<string, unknown>> {
    const transformed = transformCode(message.code);
    if (!transformed.ok) return { type: "result", logs: "", result: { output: null, isFinalAnswer: false, error: transformed.error } };
    if (transformed.script.length > maxIncomingChars(this.limits)) {
      const error = { type: "RangeError", message: `The code is ${message.code.length.toLocaleString("en-US")} characters long, more than the sandbox takes; send shorter code.` };
      return { type: "result", logs: "", result: { output: null, isFinalAnswer: false, error } };
    }
    const reply = await this.thread.request({ type: "run", runId: ++this.runId, script: transformed.script });
    if (reply.type !== "result") throw new SandboxError("The JavaScript sandbox answered a run without a result.");
    const context = { code: message.code, timeoutMs: message.timeoutMs, memoryLimitMb: this.memoryLimitMb, moduleSources: this.moduleSources };
    const result: SandboxRunResult & Record<string, unknown> = { type: "result", logs: reply.logs, result: runResult(reply.outcome, context) };
    // Their next step would run in a later run: the thread must go, and the state with it.
    if (reply.jobsLeft) result.retire = "the previous run left more unfinished promise jobs (async work it did not await) than could be stopped";
    return result;
  }

  /**
   * Defines each module file (one script each, named by its path, so a stack trace says which
   * file), then imports every module once: one that fails does so now, naming file and line.
   */
  private async installModules(modules: SandboxModule[]): Promise<Record<string, unknown>> {
    const transformed = transformModules(modules);
    this.moduleSources = new Map(modules.flatMap((module) => module.files.map((file) => [file.path, file.source] as const)));
    const moduleOf = new Map(modules.flatMap((module) => module.files.map((file) => [file.path, module.name] as const)));
    for (const { path, script } of transformed.scripts) {
      if (script.length > maxIncomingChars(this.limits)) {
        throw moduleImportError(moduleOf.get(path)!, `${path} is ${script.length.toLocaleString("en-US")} characters long, more than the sandbox takes at once; split it, or raise maxValueChars.`);
      }
      const outcome = await this.evaluate(script, path);
      if (outcome.kind === "error") throw moduleImportError(moduleOf.get(path)!, `${path}: ${outcome.error.type}: ${outcome.error.message}`);
    }
    await this.evaluate(`__codeagent.nameModules(${JSON.stringify(transformed.entries)})`, "modules");
    // One run per module, so whatever ends the run (an error, final_answer) names the module.
    for (const name of Object.keys(transformed.entries)) {
      const outcome = await this.evaluate(`__codeagent.loadModule(${JSON.stringify(name)})`, "modules");
      if (outcome.kind === "error") throw moduleImportError(name, outcome.error.type === "ImportError" ? outcome.error.message : `${outcome.error.type}: ${outcome.error.message}`);
      if (outcome.kind === "final") throw moduleImportError(name, "it called final_answer() while it was imported.");
      if (outcome.kind === "interrupted") throw new SandboxError(`The JavaScript sandbox was stopped while importing the module '${name}'.`);
    }
    return {};
  }

  /** Runs a script of the sandbox's own (no REPL rewrite) and returns how it ended. */
  private async evaluate(script: string, fileName: string): Promise<RunOutcome> {
    const reply = await this.thread.request({ type: "run", runId: ++this.runId, script, fileName });
    if (reply.type !== "result") throw new SandboxError("The JavaScript sandbox answered a run without a result.");
    return reply.outcome;
  }

  private answerToolCall(call: ThreadToolCall): Promise<string> {
    const handler = this.onToolCall;
    if (handler === undefined) return Promise.reject(new Error("no tools can be called outside a run"));
    return handler({ name: call.name, args: call.args, kwargs: {} });
  }

  /** Variables longer than the worker's heap is sized for are refused before they are sent. */
  private checkIncoming(length: number): void {
    const limit = maxIncomingChars(this.limits);
    if (length <= limit) return;
    throw new AgentError(
      `Cannot send these variables to the sandbox: their JSON is ${length.toLocaleString("en-US")} characters, ` +
        `more than the ${limit.toLocaleString("en-US")} it takes at once. Send less, or raise maxValueChars.`,
    );
  }
}

/** The names in a tool list as the bridge protocol carries it (`[{ name, description }]`). */
function toolNames(toolsJson: string): string[] {
  return (JSON.parse(toolsJson) as { name: string }[]).map((tool) => tool.name);
}
