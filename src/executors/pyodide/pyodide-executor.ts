import { AgentConfigurationError, AgentError, SandboxClosedError, SandboxError, SandboxPackageError } from "../../errors.js";
import type { Tool } from "../../tools/tool.js";
import {
  DEFAULT_AUTHORIZED_IMPORTS,
  EXECUTOR_DEFAULTS,
  type CodeError,
  type CodeOutput,
  type Executor,
  type ExecutorOptions,
  type RunOptions,
} from "../executor.js";
import { answerToolCall } from "../answer-tool-call.js";
import { positiveLimit } from "../limit-options.js";
import { RunLock } from "../run-lock.js";
import { variablesJson } from "../json-text.js";
import { decodeSandboxValue } from "../wire-values.js";
import { ABORTED_ERROR, formatSeconds, lostStateError, timeLimitNote as timeLimitMessage } from "../run-errors.js";
import { PyodidePackages, type PyodidePackageOptions } from "./pyodide-packages.js";
import { sharedIsolationPool, sharedSandboxPool, startSandbox, startSharedSandbox } from "./sandbox-pool.js";
import type { HostRequest } from "../channel/bridge-protocol.js";
import { SandboxExitedError, type SandboxRunResult, type SandboxSession, type SandboxToolCall } from "../channel/bridge-session.js";

/**
 * How long Python gets to honour an interrupt before its process is ended and replaced. An
 * interrupt lands in milliseconds on an idle machine, but on two cores crowded with busy processes
 * it was seen to take over 2 s; ending the sandbox then would lose its state for nothing.
 */
const INTERRUPT_GRACE_MS = 5_000;
const INTERRUPT_REPEAT_MS = 250;

/**
 * Interrupts the sandbox (now, if `interruptNow`), again every {@link INTERRUPT_REPEAT_MS} while
 * Python may be between checks or a signal was lost, and ends the process once
 * {@link INTERRUPT_GRACE_MS} have passed. Returns the function that calls it off.
 */
function interruptUntilStopped(sandbox: SandboxSession, interruptNow: boolean): () => void {
  if (interruptNow) sandbox.interrupt();
  const repeat = setInterval(() => sandbox.interrupt(), INTERRUPT_REPEAT_MS);
  const hardStop = setTimeout(() => sandbox.kill("did not respond to an interrupt"), INTERRUPT_GRACE_MS);
  return () => {
    clearInterval(repeat);
    clearTimeout(hardStop);
  };
}

/**
 * Where a Pyodide sandbox lives. `"process"` (the default): a Deno process of its own, with its own
 * memory wall, ended as a whole. `"shared"`: a worker thread of a Deno process that hosts up to
 * eight sandboxes and shares Pyodide's compiled code and memory snapshot between them, for about
 * half the memory per sandbox. The price: the sandboxes of one process share its memory wall (one
 * that allocates outside Python's heap can bring the process down with its neighbours), a V8-level
 * escape would reach them, and a sandbox stuck in native code that ignores interrupts cannot be
 * ended alone (its process takes no new sandboxes and ends when the others are done).
 */
export type PyodideIsolation = "process" | "shared";

/** Where sandboxes of one isolation come from: the warm pool, or a start of one's own. */
interface SandboxSource {
  readonly pool: { acquire(): Promise<SandboxSession>; prewarm(count: number): Promise<void>; drain(): Promise<void> };
  start(): Promise<SandboxSession>;
}

const SANDBOX_SOURCES: Record<PyodideIsolation, SandboxSource> = {
  process: { pool: sharedSandboxPool, start: startSandbox },
  shared: { pool: sharedIsolationPool, start: startSharedSandbox },
};

/** Options of {@link PyodideExecutor}. */
export interface PyodideExecutorOptions extends ExecutorOptions, PyodidePackageOptions {
  /** Take a warm sandbox from the process-wide pool (default), or start a private one (always, with `packages`). */
  usePool?: boolean;
  /** A Deno process per sandbox (`"process"`, the default) or several per process (`"shared"`); see {@link PyodideIsolation}. */
  isolation?: PyodideIsolation;
}


/**
 * Runs Python (real CPython, compiled to WebAssembly by Pyodide) in a separate Deno process that
 * may read Pyodide's own files and nothing else: no host files, environment, network or
 * subprocesses. Tools stay on the host; Python calls them as plain synchronous functions and
 * only JSON crosses the boundary.
 */
export class PyodideExecutor implements Executor {
  readonly language = "python" as const;
  readonly authorizedImports: readonly string[];
  private readonly timeoutMs: number;
  private readonly maxOutputChars: number;
  private readonly memoryLimitMb: number;
  private readonly maxValueChars: number;
  private readonly usePool: boolean;
  private readonly isolation: PyodideIsolation;
  private readonly packages: PyodidePackages | undefined;
  private tools = new Map<string, Tool>();
  /** Runs and the requests that touch the namespace take turns (the sandbox serves one at a time). */
  private readonly lock = new RunLock();
  private sandbox: Promise<SandboxSession> | undefined;
  /** Whether code or data has reached the current sandbox since it was prepared. */
  private used = false;
  private closed = false;

  constructor(options: PyodideExecutorOptions = {}) {
    this.packages = PyodidePackages.fromOptions(options);
    const imports = options.authorizedImports ?? DEFAULT_AUTHORIZED_IMPORTS;
    // What was loaded for the code to use, it may import.
    this.authorizedImports = this.packages ? [...new Set([...imports, ...this.packages.imports])] : imports;
    this.timeoutMs = positiveLimit("timeoutMs", options.timeoutMs, EXECUTOR_DEFAULTS.timeoutMs);
    this.maxOutputChars = positiveLimit("maxOutputChars", options.maxOutputChars, EXECUTOR_DEFAULTS.maxOutputChars);
    this.memoryLimitMb = positiveLimit("memoryLimitMb", options.memoryLimitMb, EXECUTOR_DEFAULTS.memoryLimitMb);
    this.maxValueChars = positiveLimit("maxValueChars", options.maxValueChars, EXECUTOR_DEFAULTS.maxValueChars);
    this.usePool = options.usePool ?? true;
    if (options.isolation !== undefined && options.isolation !== "process" && options.isolation !== "shared") {
      throw new AgentConfigurationError(`PyodideExecutor's isolation must be "process" or "shared", not ${JSON.stringify(options.isolation)}.`);
    }
    this.isolation = options.isolation ?? "process";
    if (this.packages && this.isolation === "shared") {
      throw new AgentConfigurationError(
        'PyodideExecutor cannot load packages with isolation "shared" (its sandboxes share one process, started without read access to the wheels): use isolation "process".',
      );
    }
  }

  /**
   * Starts `count` sandboxes in the background of this process, so later executors start warm
   * (sandboxes for `isolation`, "process" by default).
   */
  static prewarm(count = 1, isolation: PyodideIsolation = "process"): Promise<void> {
    return SANDBOX_SOURCES[isolation].pool.prewarm(count);
  }

  /** Ends the warm spare sandboxes of both pools. */
  static async drainPool(): Promise<void> {
    await Promise.all(Object.values(SANDBOX_SOURCES).map(({ pool }) => pool.drain()));
  }

  /** Starts the sandbox now rather than on first use. */
  async start(): Promise<void> {
    await this.ready();
  }

  async sendTools(tools: readonly Tool[]): Promise<void> {
    await this.lock.exclusive(async () => {
      this.tools = new Map(tools.map((tool) => [tool.name, tool]));
      const sandbox = await this.ready();
      await this.timedRequest(sandbox, { type: "tools", toolsJson: this.toolSpecificationsJson() }, "Installing the tools");
    });
  }

  async sendVariables(variables: Record<string, unknown>): Promise<void> {
    const json = variablesJson(variables);
    await this.lock.exclusive(async () => {
      const sandbox = await this.ready();
      this.used = true;
      await this.timedRequest(sandbox, { type: "variables", json }, "Sending the variables");
    });
  }

  /**
   * A request that runs the runtime's Python, under the executor's time limit. Code of an earlier
   * run may have replaced those functions (with a loop that catches every interrupt, say): past the
   * limit the sandbox is interrupted, then ended, and replaced by a fresh one that has the tools.
   * What was defined in the old one is gone, and the error says so.
   */
  private async timedRequest(sandbox: SandboxSession, message: HostRequest, what: string): Promise<void> {
    let callOff: (() => void) | undefined;
    const timer = setTimeout(() => (callOff = interruptUntilStopped(sandbox, true)), this.timeoutMs);
    try {
      await sandbox.request(message);
    } catch (error) {
      if (callOff === undefined && sandbox.alive) throw error;
      // Interrupted or dead: the runtime cannot be trusted to be in any state now.
      sandbox.kill("did not finish a request within the time limit");
      if (this.sandbox !== undefined && (await this.sandbox.catch(() => undefined)) === sandbox) this.replaceSandbox();
      throw new SandboxError(
        `${what} did not finish within the time limit of ${formatSeconds(this.timeoutMs)}: code of an earlier run may have ` +
          "replaced the sandbox's runtime. The sandbox was ended and replaced by a fresh one with the tools, so everything " +
          "defined in earlier runs is gone: define what you need again.",
      );
    } finally {
      clearTimeout(timer);
      callOff?.();
    }
  }

  /**
   * A new task gets a pristine interpreter: code may have patched anything it could reach in the
   * old one (modules, the runtime's own functions, built-ins on the JavaScript side), so the
   * sandbox is replaced by a fresh one from the warm pool, with the tools installed again.
   */
  async reset(): Promise<void> {
    await this.lock.exclusive(async () => {
      if (this.sandbox === undefined || !this.used) return;
      this.replaceSandbox();
      await this.ready();
    });
  }

  /** Runs take turns; each one's time limit starts when its turn comes. */
  async run(code: string, options: RunOptions = {}): Promise<CodeOutput> {
    const timeoutMs = positiveLimit("timeoutMs", options.timeoutMs, this.timeoutMs);
    return this.lock.run(options, () => this.runAlone(code, timeoutMs, options));
  }

  private async runAlone(code: string, timeoutMs: number, options: RunOptions): Promise<CodeOutput> {
    const sandbox = await this.ready();
    this.used = true;
    const timeLimitNote = timeLimitMessage(timeoutMs);
    const toolAbort = new AbortController();
    let stopReason: "timeout" | "abort" | undefined;
    let callOff: (() => void) | undefined;

    const stop = (reason: "timeout" | "abort") => {
      if (stopReason !== undefined) return;
      stopReason = reason;
      toolAbort.abort(new AgentError(reason === "timeout" ? "The run timed out." : "The run was aborted."));
      const toolCallsInterrupted = sandbox.interruptToolCalls(reason === "timeout" ? timeLimitNote : "The run was aborted.");
      callOff = interruptUntilStopped(sandbox, !toolCallsInterrupted);
    };
    const onAbort = () => stop("abort");
    const timer = setTimeout(() => stop("timeout"), timeoutMs);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) stop("abort");
    sandbox.onToolCall = (call) => answerToolCall(this.tools, call, "python", toolAbort.signal, options, this.maxValueChars);

    try {
      const message = (await sandbox.request({ type: "run", code, timeLimitNote, timeoutMs })) as unknown as SandboxRunResult;
      return toCodeOutput(message, stopReason);
    } catch (error) {
      // The process died: killed after ignoring an interrupt, out of memory, or a crash.
      this.replaceSandbox();
      return {
        output: null,
        logs: "",
        isFinalAnswer: false,
        error: lostStateError(stopReason, timeoutMs, error),
      };
    } finally {
      clearTimeout(timer);
      callOff?.();
      options.signal?.removeEventListener("abort", onAbort);
      sandbox.onToolCall = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const sandbox = await this.sandbox?.catch(() => undefined);
    this.sandbox = undefined;
    if (sandbox) {
      sandbox.kill("closed");
      await sandbox.hold(sandbox.exited);
    }
  }

  private ready(): Promise<SandboxSession> {
    if (this.closed) return Promise.reject(new SandboxClosedError());
    this.sandbox ??= this.prepareSandbox();
    return this.sandbox;
  }

  /**
   * A sandbox for this executor: from the warm pool, or one of its own; with packages always one of
   * its own, which loads them before it answers (a pool's spare was started without them).
   */
  private async acquireSandbox(): Promise<SandboxSession> {
    if (this.packages) {
      const packages = await this.packages.provide();
      try {
        return await startSandbox(packages);
      } catch (error) {
        // Ended while loading: sandbox-packages.mjs said why on its last line.
        if (!(error instanceof SandboxExitedError)) throw error;
        throw new SandboxPackageError(
          "load-failed",
          undefined,
          `Loading packages into the sandbox failed: ${error.message}. ` +
            "Check that the lock file and the wheels are those of the installed Pyodide's version.",
          { cause: error },
        );
      }
    }
    const source: SandboxSource = SANDBOX_SOURCES[this.isolation];
    return this.usePool ? source.pool.acquire() : source.start();
  }

  private async prepareSandbox(): Promise<SandboxSession> {
    const sandbox = await this.acquireSandbox();
    if (this.closed) {
      sandbox.kill("closed");
      throw new SandboxClosedError();
    }
    sandbox.limitLineLength(maxMessageChars(this.maxValueChars, this.maxOutputChars));
    sandbox.limitResults({ maxOutputChars: this.maxOutputChars, maxValueChars: this.maxValueChars });
    sandbox.limitMemory(this.memoryLimitMb);
    // A fresh sandbox runs no code of the user's: if configuring it still hangs, end it.
    const hung = setTimeout(() => sandbox.kill("did not finish configuring within the time limit"), this.timeoutMs + INTERRUPT_GRACE_MS);
    await sandbox.request({
      type: "configure",
      authorizedImportsJson: JSON.stringify(this.authorizedImports),
      memoryLimitMb: this.memoryLimitMb,
      maxOutputChars: this.maxOutputChars,
      maxValueChars: this.maxValueChars,
      toolsJson: this.toolSpecificationsJson(),
    }).finally(() => clearTimeout(hung));
    return sandbox;
  }

  private replaceSandbox(): void {
    const previous = this.sandbox;
    this.sandbox = undefined;
    this.used = false;
    void previous?.then((sandbox) => sandbox.kill("replaced"), () => undefined);
    if (!this.closed) {
      // Start the replacement now so the next run does not wait for it.
      this.sandbox = this.prepareSandbox();
      this.sandbox.catch(() => undefined);
    }
  }

  private toolSpecificationsJson(): string {
    return JSON.stringify([...this.tools.values()].map((tool) => ({ name: tool.name, description: tool.description })));
  }
}

/**
 * The longest line a sandbox may send under these limits: a result carries one value (at most
 * `maxValueChars` of JSON, re-encoded, so up to 6 characters each for escaped ones) and the logs
 * (at most `maxOutputChars`, same escaping), plus a fixed allowance for the envelope and an
 * error message.
 */
function maxMessageChars(maxValueChars: number, maxOutputChars: number): number {
  return 6 * (maxValueChars + maxOutputChars) + 256 * 1024;
}

function toCodeOutput(message: SandboxRunResult, stopReason: "timeout" | "abort" | undefined): CodeOutput {
  const { isFinalAnswer, error } = message.result;
  // Bytes and images come back tagged; a forged or malformed tag is the code's TypeError.
  const decoded = decodeSandboxValue(message.result.output ?? null, isFinalAnswer ? "The final answer" : "The last line's value");
  if (decoded.error !== undefined) return { output: null, logs: message.logs, isFinalAnswer: false, error: decoded.error };
  const result: CodeOutput = { output: decoded.value, logs: message.logs, isFinalAnswer };
  if (error) {
    result.error =
      stopReason === "abort" && error.type === "TimeoutError"
        ? { ...ABORTED_ERROR }
        : error;
  }
  return result;
}
