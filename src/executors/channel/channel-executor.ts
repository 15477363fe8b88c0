/**
 * The one run lifecycle every channel sandbox shares, written once: runs take turns and each gets
 * its whole time limit from its turn; a per-run `timeoutMs`; abort; interrupt, repeated, then after
 * a grace period the sandbox is ended and replaced with "state lost" said plainly; the tool bridge
 * (tools run here, on the host); output and value caps checked again on arrival; the observer
 * callbacks; close. A sandbox kind brings only a {@link SandboxLauncher}: how to start a fresh
 * interpreter and get a channel to it; or, where its transport is not a channel (Pyodide's warm
 * pools, QuickJS's worker thread), its own {@link SandboxConnection}s through `startSession`.
 */
import { AgentConfigurationError, AgentError, SandboxClosedError, SandboxError } from "../../errors.js";
import type { Tool } from "../../tools/tool.js";
import { answerToolCall } from "../answer-tool-call.js";
import {
  DEFAULT_AUTHORIZED_IMPORTS,
  EXECUTOR_DEFAULTS,
  type CodeOutput,
  type Executor,
  type ExecutorLanguage,
  type ExecutorOptions,
  type RunOptions,
} from "../executor.js";
import { variablesJson } from "../json-text.js";
import { positiveLimit } from "../limit-options.js";
import { ABORTED_ERROR, formatSeconds, lostStateError, timeLimitNote, type StopReason } from "../run-errors.js";
import { RunLock } from "../run-lock.js";
import { loadSandboxModules, moduleImportError, type SandboxModule } from "../sandbox-modules.js";
import { decodeSandboxValue } from "../wire-values.js";
import { isRunResult, type HostRequest } from "./bridge-protocol.js";
import type { SandboxRunResult } from "./bridge-session.js";
import { launchSession } from "./channel-session.js";
import type { SandboxChannel } from "./sandbox-channel.js";
import type { SandboxConnection } from "./sandbox-connection.js";

/** The error of a run aborted after its turn came but before its code was sent. */
const ABORTED_BEFORE_START = Object.freeze({ type: "AbortError", message: "The run was aborted before it started; none of its code ran." });

/** What the limits of one executor are, for a launcher that enforces some of them itself. */
export interface SandboxLimits {
  memoryLimitMb: number;
  timeoutMs: number;
}

/** Starts sandboxes of one kind for one executor. */
export interface SandboxLauncher {
  /**
   * Starts a fresh interpreter (a new process, a new exec in the same container) and returns the
   * channel to it. Called again after a reset or after the sandbox was ended.
   */
  launch(limits: SandboxLimits): Promise<SandboxChannel>;
  /** The first line the interpreter reads, given the session's secret token (the runtime, say). */
  hello?(token: string): string;
  /** Frees what the launcher holds across interpreters (a container, a VM), when the executor closes. */
  close?(): Promise<void>;
}

/** Options of a {@link ChannelExecutor}. */
export interface ChannelExecutorOptions extends ExecutorOptions {
  language: ExecutorLanguage;
  /** How to start interpreters. Required, unless a subclass brings its own sessions (`startSession`). */
  launcher?: SandboxLauncher;
  /** What the model must know about this sandbox, for the prompt. */
  promptNotes?: string;
  /**
   * How long, in milliseconds, code gets to honour an interrupt (at its time limit, on abort)
   * before its sandbox is ended and replaced, losing everything defined in it. Default: the
   * sandbox's own when it has one (QuickJS: 1,000), else 5,000. A shorter grace ends code that
   * ignores interrupts sooner, but may also end code that was only slow to stop on a busy machine.
   */
  interruptGraceMs?: number;
}

/**
 * How long code gets to honour an interrupt before its sandbox is ended and replaced, unless the
 * sandbox says otherwise. On two crowded cores a Python interrupt was seen to take over 2 s; ending
 * the sandbox then loses state for nothing.
 */
const INTERRUPT_GRACE_MS = 5_000;
const INTERRUPT_REPEAT_MS = 250;

/**
 * Interrupts the sandbox (now, if `interruptNow`), again every {@link INTERRUPT_REPEAT_MS} (the code
 * may be between checks, or a signal was lost), and ends it after `graceMs`, or when that is not
 * given after the sandbox's own grace period, else {@link INTERRUPT_GRACE_MS}. Returns the function
 * that calls it off.
 */
export function interruptUntilStopped(sandbox: SandboxConnection, interruptNow: boolean, graceMs?: number): () => void {
  if (interruptNow) sandbox.interrupt();
  const repeat = setInterval(() => sandbox.interrupt(), INTERRUPT_REPEAT_MS);
  const hardStop = setTimeout(() => sandbox.kill("did not respond to an interrupt"), graceMs ?? sandbox.interruptGraceMs ?? INTERRUPT_GRACE_MS);
  return () => {
    clearInterval(repeat);
    clearTimeout(hardStop);
  };
}

/**
 * The longest line a sandbox may send under these limits: one value (at most `maxValueChars` of
 * JSON, re-encoded, up to 6 characters each for escaped ones) and the logs (the same), plus room
 * for the envelope and an error message.
 */
export function maxMessageChars(maxValueChars: number, maxOutputChars: number): number {
  return 6 * (maxValueChars + maxOutputChars) + 256 * 1024;
}

/** A run's result as the caller gets it: tagged bytes and images decoded, an abort named as one. */
export function toCodeOutput(message: SandboxRunResult, stopReason: StopReason | undefined): CodeOutput {
  const { isFinalAnswer, error } = message.result;
  // A forged or malformed bytes or image tag is the code's TypeError.
  const decoded = decodeSandboxValue(message.result.output ?? null, isFinalAnswer ? "The final answer" : "The last line's value");
  if (decoded.error !== undefined) return { output: null, logs: message.logs, isFinalAnswer: false, error: decoded.error };
  const result: CodeOutput = { output: decoded.value, logs: message.logs, isFinalAnswer };
  if (error) result.error = stopReason === "abort" && error.type === "TimeoutError" ? { ...ABORTED_ERROR } : error;
  return result;
}

/** An executor over channels to sandboxes of one kind; see the module comment. */
export class ChannelExecutor implements Executor {
  readonly language: ExecutorLanguage;
  /** The modules Python code may import; absent for JavaScript, which has no modules here. */
  readonly authorizedImports: readonly string[] | undefined;
  readonly promptNotes: string | undefined;
  readonly modules: readonly SandboxModule[];
  protected readonly timeoutMs: number;
  protected readonly maxOutputChars: number;
  protected readonly memoryLimitMb: number;
  protected readonly maxValueChars: number;
  /** The user's `interruptGraceMs`, when given: it overrides the sandbox's own grace period. */
  private readonly interruptGraceMs: number | undefined;
  private readonly launcher: SandboxLauncher | undefined;
  private tools = new Map<string, Tool>();
  private readonly lock = new RunLock();
  private sandbox: Promise<SandboxConnection> | undefined;
  /** Sessions still starting: close() ends them rather than wait for them. */
  private readonly starting = new Set<SandboxConnection>();
  /** The tool list each sandbox has, so one configured with the current tools is not sent them again. */
  private readonly installedTools = new WeakMap<SandboxConnection, string>();
  /**
   * Why the previous sandbox ended outside a run (a request sent between runs broke it, code left
   * work that could not be stopped), when it did: the next run says so instead of running.
   */
  private lostState: unknown;
  /** Whether code or data reached the current sandbox since it was prepared. */
  private used = false;
  private closed = false;

  constructor(options: ChannelExecutorOptions) {
    this.language = options.language;
    this.launcher = options.launcher;
    this.promptNotes = options.promptNotes;
    this.authorizedImports = options.language === "python" ? (options.authorizedImports ?? DEFAULT_AUTHORIZED_IMPORTS) : options.authorizedImports;
    this.timeoutMs = positiveLimit("timeoutMs", options.timeoutMs, EXECUTOR_DEFAULTS.timeoutMs);
    this.maxOutputChars = positiveLimit("maxOutputChars", options.maxOutputChars, EXECUTOR_DEFAULTS.maxOutputChars);
    this.memoryLimitMb = positiveLimit("memoryLimitMb", options.memoryLimitMb, EXECUTOR_DEFAULTS.memoryLimitMb);
    this.maxValueChars = positiveLimit("maxValueChars", options.maxValueChars, EXECUTOR_DEFAULTS.maxValueChars);
    this.interruptGraceMs = options.interruptGraceMs === undefined ? undefined : positiveLimit("interruptGraceMs", options.interruptGraceMs, INTERRUPT_GRACE_MS);
    this.modules = options.modules ? loadSandboxModules(options.modules, this.language) : [];
  }

  /** Starts the sandbox now rather than on first use. */
  async start(): Promise<void> {
    await this.ready();
  }

  async sendTools(tools: readonly Tool[]): Promise<void> {
    await this.lock.exclusive(async () => {
      this.tools = new Map(tools.map((tool) => [tool.name, tool]));
      const toolsJson = this.toolSpecificationsJson();
      const sandbox = await this.ready();
      // A sandbox started by this call, or for the same tools, has them already.
      if (this.installedTools.get(sandbox) === toolsJson) return;
      await this.sendRequest(sandbox, { type: "tools", toolsJson }, "Installing the tools");
      // Had it to be replaced, the fresh one was configured with them; the old one is gone.
      this.installedTools.set(sandbox, toolsJson);
    });
  }

  async sendVariables(variables: Record<string, unknown>): Promise<void> {
    const json = variablesJson(variables);
    await this.lock.exclusive(async () => {
      const sandbox = await this.ready();
      this.used = true;
      await this.sendRequest(sandbox, { type: "variables", json }, "Sending the variables");
    });
  }

  /** A fresh interpreter: the old one is ended (code may have patched anything in it) and a new one launched. */
  async reset(): Promise<void> {
    await this.lock.exclusive(async () => {
      if (this.closed) throw new SandboxClosedError();
      this.lostState = undefined; // a fresh state is what was asked for
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const starting of this.starting) starting.kill("was closed");
    const sandbox = await this.sandbox?.catch(() => undefined);
    this.sandbox = undefined;
    if (sandbox) {
      sandbox.kill("was closed");
      await sandbox.hold(sandbox.exited);
    }
    await this.launcher?.close?.();
  }

  private async runAlone(code: string, timeoutMs: number, options: RunOptions): Promise<CodeOutput> {
    // A fresh sandbox that cannot start (no Python, no engine, a package refused, a runtime that
    // dies at once) is the user's to fix, not the code's: it is thrown, and the next call tries again.
    // One that died after it started (while idle, say) is the code's observation below.
    const sandbox = await this.ready();
    if (this.lostState !== undefined) {
      const cause = this.lostState;
      this.lostState = undefined;
      return { output: null, logs: "", isFinalAnswer: false, error: lostStateError(undefined, timeoutMs, cause) };
    }
    if (options.signal?.aborted) return { output: null, logs: "", isFinalAnswer: false, error: { ...ABORTED_BEFORE_START } };
    this.used = true;
    const note = timeLimitNote(timeoutMs);
    const toolAbort = new AbortController();
    let stopReason: StopReason | undefined;
    let callOff: (() => void) | undefined;

    const stop = (reason: StopReason) => {
      if (stopReason !== undefined) return;
      stopReason = reason;
      toolAbort.abort(new AgentError(reason === "timeout" ? "The run timed out." : "The run was aborted."));
      const toolCallsInterrupted = sandbox.interruptToolCalls(reason === "timeout" ? note : "The run was aborted.");
      callOff = interruptUntilStopped(sandbox, !toolCallsInterrupted, this.interruptGraceMs);
    };
    const onAbort = () => stop("abort");
    const timer = setTimeout(() => stop("timeout"), timeoutMs);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) stop("abort");
    sandbox.onToolCall = (call) => answerToolCall(this.tools, call, this.language, toolAbort.signal, options, this.maxValueChars);

    try {
      const message = await sandbox.request({ type: "run", code, timeLimitNote: note, timeoutMs });
      if (!isRunResult(message)) {
        sandbox.kill("broke the protocol: it answered a run with something other than a result");
        throw new SandboxError("The sandbox broke the protocol: it answered a run with something other than a result");
      }
      const output = toCodeOutput(message, stopReason);
      if (typeof message.retire === "string") {
        // What the run left behind would act in the next one: that sandbox must go now.
        this.replaceSandbox();
        this.lostState = new SandboxError(message.retire);
      }
      return output;
    } catch (error) {
      if (this.closed) throw new SandboxClosedError();
      // The sandbox died: ended after ignoring an interrupt, over its memory, or crashed.
      this.replaceSandbox();
      return { output: null, logs: "", isFinalAnswer: false, error: lostStateError(stopReason, timeoutMs, error) };
    } finally {
      clearTimeout(timer);
      callOff?.();
      options.signal?.removeEventListener("abort", onAbort);
      sandbox.onToolCall = undefined;
    }
  }

  /**
   * A request between runs (tools, variables). It runs the runtime's code, which code of an earlier
   * run may have broken: a sandbox that dies of it (a name blocked for good, memory left full) is
   * replaced, the request goes to the fresh one, and the next run says what was lost.
   */
  private async sendRequest(sandbox: SandboxConnection, message: HostRequest, what: string): Promise<void> {
    const died = await this.timedRequest(sandbox, message, what);
    if (died === undefined) return;
    this.lostState ??= died;
    const fresh = await this.ready();
    // A fresh sandbox is configured with the current tools.
    if (message.type === "tools") return;
    this.used = true;
    const diedAgain = await this.timedRequest(fresh, message, what);
    if (diedAgain === undefined) return;
    const cause = diedAgain instanceof Error ? diedAgain.message : String(diedAgain);
    throw new SandboxError(
      `${what} failed twice, the second time in a fresh sandbox: ${cause} Everything defined in earlier runs is gone; check what is sent.`,
      { cause: diedAgain },
    );
  }

  /**
   * A request that runs the runtime's code, under the time limit: code of an earlier run may have
   * replaced the runtime's functions. Past the limit the sandbox is interrupted, then ended and
   * replaced by a fresh one with the tools, and the error says what was lost. A sandbox that died
   * of the request is replaced too, and what it died of is returned.
   */
  private async timedRequest(sandbox: SandboxConnection, message: HostRequest, what: string): Promise<unknown> {
    let callOff: (() => void) | undefined;
    const timed = sandbox.requestsNeedTimeLimit ?? true;
    const timer = timed ? setTimeout(() => (callOff = interruptUntilStopped(sandbox, true, this.interruptGraceMs)), this.timeoutMs) : undefined;
    try {
      await sandbox.request(message);
      return undefined;
    } catch (error) {
      if (this.closed) throw new SandboxClosedError();
      if (callOff === undefined && sandbox.alive) throw error;
      const current = this.sandbox !== undefined && (await this.sandbox.catch(() => undefined)) === sandbox;
      if (current) this.replaceSandbox();
      if (callOff === undefined) return error;
      sandbox.kill("did not finish a request within the time limit");
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

  private ready(): Promise<SandboxConnection> {
    if (this.closed) return Promise.reject(new SandboxClosedError());
    if (this.sandbox === undefined) {
      const starting = this.prepareSandbox();
      this.sandbox = starting;
      // A start that failed (a transient engine or network error) is tried again next time.
      starting.catch(() => {
        if (this.sandbox === starting) this.sandbox = undefined;
      });
    }
    return this.sandbox;
  }

  /**
   * A started sandbox the lifecycle can drive: by default a {@link ChannelSession} over a channel
   * from the launcher. A sandbox with transports of its own overrides this: Pyodide's warm pools
   * speak the bridge protocol themselves, QuickJS's worker thread is translated (QuickJsConnection).
   */
  protected async startSession(limits: SandboxLimits): Promise<SandboxConnection> {
    if (this.launcher === undefined) throw new AgentConfigurationError("A ChannelExecutor needs a launcher: pass { launcher } to start its sandboxes.");
    return launchSession(this.launcher, limits);
  }

  /** A fresh session, started and configured with the limits, imports and tools. */
  private async prepareSandbox(): Promise<SandboxConnection> {
    const sandbox = await this.startSession({ memoryLimitMb: this.memoryLimitMb, timeoutMs: this.timeoutMs });
    if (this.closed) {
      sandbox.kill("was closed");
      throw new SandboxClosedError();
    }
    sandbox.limitLineLength(maxMessageChars(this.maxValueChars, this.maxOutputChars));
    sandbox.limitResults({ maxOutputChars: this.maxOutputChars, maxValueChars: this.maxValueChars });
    sandbox.limitMemory(this.memoryLimitMb);
    // A fresh interpreter runs no code of the user's: if starting or configuring it hangs, end it.
    const hung = setTimeout(() => sandbox.kill("did not start within the time limit"), this.timeoutMs + INTERRUPT_GRACE_MS);
    this.starting.add(sandbox);
    const toolsJson = this.toolSpecificationsJson();
    try {
      await sandbox.hold(sandbox.ready);
      await sandbox.request({
        type: "configure",
        authorizedImportsJson: JSON.stringify(this.authorizedImports ?? []),
        memoryLimitMb: this.memoryLimitMb,
        maxOutputChars: this.maxOutputChars,
        maxValueChars: this.maxValueChars,
        toolsJson,
      });
      this.installedTools.set(sandbox, toolsJson);
      if (this.modules.length > 0) await this.installModules(sandbox);
    } catch (error) {
      sandbox.kill("could not be configured");
      throw error;
    } finally {
      clearTimeout(hung);
      this.starting.delete(sandbox);
    }
    if (this.closed) {
      sandbox.kill("was closed");
      throw new SandboxClosedError();
    }
    return sandbox;
  }

  /** The user's modules, imported in the fresh sandbox: one that fails is the user's to fix. */
  private async installModules(sandbox: SandboxConnection): Promise<void> {
    // A module's top-level code runs now: it gets the time limit of a run.
    let timedOut = false;
    const limit = setTimeout(() => {
      timedOut = true;
      sandbox.kill("took too long to import the modules");
    }, this.timeoutMs);
    try {
      await sandbox.request({ type: "modules", modulesJson: JSON.stringify(this.modules) });
    } catch (error) {
      if (timedOut) {
        const names = this.modules.map((module) => module.name).join(", ");
        throw moduleImportError(names, `importing took longer than the time limit (${this.timeoutMs} ms): a module's top-level code must finish quickly (or raise timeoutMs).`, error);
      }
      if (!sandbox.alive || !(error instanceof SandboxError)) throw error;
      // The runtime says "<module>: <file>, line <n>: <error>" as its error's last line.
      const lines = error.message.trim().split("\n");
      const reason = lines[lines.length - 1]!.replace(/^(The Python sandbox )?(ImportError: )?/, "");
      const name = /^(\w+): /.exec(reason)?.[1] ?? "?";
      throw moduleImportError(name, reason.slice(name.length + 2), error);
    } finally {
      clearTimeout(limit);
    }
  }

  private replaceSandbox(): void {
    const previous = this.sandbox;
    this.sandbox = undefined;
    this.used = false;
    void previous?.then((sandbox) => sandbox.kill("was replaced"), () => undefined);
    // The replacement starts now, so the next run does not wait for it.
    if (!this.closed) void this.ready().catch(() => undefined);
  }

  private toolSpecificationsJson(): string {
    return JSON.stringify([...this.tools.values()].map((tool) => ({ name: tool.name, description: tool.description })));
  }
}
