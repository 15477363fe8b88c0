import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";

import { SandboxError, SandboxMemoryError } from "../../errors.js";
import { holdEventLoop } from "../child-references.js";
import { LineSplitter } from "../line-splitter.js";
import { liveProcesses } from "../live-processes.js";
import { MemoryWatchdog, RUNTIME_OVERHEAD_MB } from "../memory-watchdog.js";
import { parseMessage, resultOverLimits, toToolCall, type ResultLimits, type SandboxRunResult, type SandboxToolCall } from "./sandbox-messages.js";

export type { SandboxRunResult, SandboxToolCall } from "./sandbox-messages.js";

/** Answers a tool call with the JSON text Python will read (`{ ok, value }` or `{ ok: false, error }`). */
export type ToolCallHandler = (call: SandboxToolCall) => Promise<string>;

/** The sandbox process ended while a request was in flight. */
export class SandboxExitedError extends SandboxError {
  override readonly name = "SandboxExitedError";
}

interface Pending {
  resolve(message: Record<string, unknown>): void;
  reject(error: Error): void;
}

const STDERR_TAIL = 4000;

/** The longest line accepted before the sandbox is configured (a spare's lines are short). */
const DEFAULT_MAX_LINE_LENGTH = 8 * 1024 * 1024;

/**
 * One Deno process running Pyodide, and the JSON-lines protocol with it. Only lines that start
 * with this process's secret token are read; Python never sees the token (the sandbox's code that
 * handles it uses only built-ins captured before Python ran), so it cannot forge one. A line longer
 * than the limit, a malformed message or a second tool call while one is open ends the process:
 * the sandbox broke the protocol.
 */
export class SandboxProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly token = randomBytes(16).toString("hex");
  private readonly pending = new Map<number, Pending>();
  private readonly openToolCalls = new Set<number>();
  private nextRequestId = 0;
  private lines: LineSplitter;
  private stderrTail = "";
  private interruptsSent = 0;
  private busy = 0;
  private exitReason: string | undefined;
  private memoryError: SandboxMemoryError | undefined;
  private memoryLimitMb = 0;
  private resultLimits: ResultLimits | undefined;
  private readonly watchdog: MemoryWatchdog | undefined;
  /** Settles once the process has exited. */
  readonly exited: Promise<void>;
  /** Called for every tool call Python makes during a run. */
  onToolCall: ToolCallHandler | undefined;
  /** Resolves when Pyodide is loaded and the sandbox answers requests. */
  readonly ready: Promise<void>;

  constructor(command: string, args: readonly string[]) {
    // An empty environment, but for plain error text (Deno colours it otherwise).
    this.child = spawn(command, args, { env: { NO_COLOR: "1" }, stdio: ["pipe", "pipe", "pipe"], detached: false });
    liveProcesses.add(this.child);
    this.lines = this.splitter(DEFAULT_MAX_LINE_LENGTH);
    this.child.stdout.setEncoding("utf8");
    this.child.stdout.on("data", (text: string) => this.lines.push(text));
    this.child.stderr.setEncoding("utf8");
    this.child.stderr.on("data", (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL);
    });
    this.child.stdin.on("error", () => {
      // The process died; `exit` reports it.
    });
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        liveProcesses.delete(this.child);
        this.exitReason ??= signal ? `killed by ${signal}` : `exited with code ${code}`;
        this.watchdog?.stop();
        const error = this.exitError();
        for (const waiter of this.pending.values()) waiter.reject(error);
        this.pending.clear();
        resolve();
      });
      this.child.on("error", (error) => {
        this.exitReason = `could not start: ${error.message}`;
      });
    });
    this.watchdog = this.child.pid === undefined ? undefined : new MemoryWatchdog(this.child.pid, (resident, limit) => this.overMemory(resident, limit));
    this.ready = this.expect(0).then(() => undefined);
    this.ready.catch(() => undefined); // awaited by whoever uses the sandbox; a spare may never be
    this.writeLine({ token: this.token });
    this.idle();
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.exitReason === undefined;
  }

  /** Operating-system process id, for measuring memory. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Caps the whole process at `memoryLimitMb` plus the runtime's own {@link RUNTIME_OVERHEAD_MB},
   * checked from here while it works; going over ends it with a {@link SandboxMemoryError}.
   */
  limitMemory(memoryLimitMb: number): void {
    this.memoryLimitMb = memoryLimitMb;
    this.watchdog?.setLimit((memoryLimitMb + RUNTIME_OVERHEAD_MB) * 1024 * 1024);
  }

  private overMemory(residentBytes: number, limitBytes: number): void {
    const megabytes = (bytes: number) => Math.round(bytes / (1024 * 1024));
    this.memoryError = new SandboxMemoryError(
      `The sandbox went over its memory limit and was ended: its process held ${megabytes(residentBytes)} MB, over the ` +
        `${megabytes(limitBytes)} MB allowed (memoryLimitMb ${this.memoryLimitMb} plus ${RUNTIME_OVERHEAD_MB} MB for the Python runtime itself). ` +
        "Use less memory at once (work in smaller parts, drop what is no longer needed), or ask the user to raise memoryLimitMb.",
    );
    this.kill("went over its memory limit");
  }

  private exitError(): SandboxError {
    return this.memoryError ?? new SandboxExitedError(this.describeExit());
  }

  /** Sends a request and resolves with the sandbox's `done` (or `result`) message. */
  request(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = ++this.nextRequestId;
    const answer = this.expect(id);
    this.writeLine({ ...message, id, interrupts: this.interruptsSent });
    return this.hold(answer);
  }

  /**
   * Keeps the host's event loop alive until `work` settles: an idle sandbox lets the host exit,
   * but one the host is waiting for must not.
   */
  async hold<T>(work: Promise<T>): Promise<T> {
    if (this.busy++ === 0) {
      holdEventLoop(this.child, true);
      this.watchdog?.start();
    }
    try {
      return await work;
    } finally {
      if (--this.busy === 0) this.idle();
    }
  }

  /** Asks Python to stop what it is doing (it raises KeyboardInterrupt at the next bytecode). */
  interrupt(): void {
    if (!this.alive) return;
    this.interruptsSent++;
    this.child.kill("SIGUSR1");
  }

  /** Ends the process now. */
  kill(reason: string): void {
    this.exitReason ??= reason;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }

  private idle(): void {
    this.watchdog?.stop();
    holdEventLoop(this.child, false);
  }

  private expect(id: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      if (!this.alive && id !== 0) reject(this.exitError());
      else this.pending.set(id, { resolve, reject });
    });
  }

  private describeExit(): string {
    // Deno's stack lines name our files, not the user's problem: keep the error's own lines.
    const lines = this.stderrTail
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("at "));
    const detail = lines.length > 0 ? `: ${lines.slice(-3).join(" | ")}` : "";
    return `The Python sandbox process ${this.exitReason ?? "stopped"}${detail}`;
  }

  private writeLine(message: Record<string, unknown>): void {
    if (this.child.stdin.writable) this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  /**
   * Sets the longest line the sandbox may send (its largest message under the configured limits).
   * Call it while no message is in flight: a line already begun would be lost.
   */
  limitLineLength(maxLineLength: number): void {
    this.lines = this.splitter(maxLineLength);
  }

  /** The logs and value a run's result may hold; a result over them ends the sandbox. */
  limitResults(limits: ResultLimits): void {
    this.resultLimits = limits;
  }

  private splitter(maxLineLength: number): LineSplitter {
    return new LineSplitter({
      maxLineLength,
      onLine: (line) => this.receive(line),
      onOverflow: (length) => this.kill(`sent a line of over ${length} characters, past the protocol's limit of ${maxLineLength}`),
    });
  }

  private receive(line: string): void {
    if (!line.startsWith(this.token)) return;
    // The sandbox is untrusted: a line it cannot have meant ends it, never the host.
    try {
      const message = parseMessage(line.slice(this.token.length));
      if (message === undefined) this.kill("sent a malformed protocol message");
      else this.dispatch(message);
    } catch (error) {
      this.kill(`sent a message the host could not handle (${error instanceof Error ? error.message : "unknown error"})`);
    }
  }

  private dispatch(message: Record<string, unknown>): void {
    switch (message["type"]) {
      case "ready":
        this.settle(0, message);
        return;
      case "tool-call":
        this.handleToolCall(message["id"] as number, toToolCall(message["request"]));
        return;
      case "fatal":
        this.exitReason = `failed: ${(message["message"] as string).split("\n").slice(-2).join(" ")}`;
        this.settle(message["id"] as number, message, true);
        return;
      case "error":
        this.settle(message["id"] as number, message, true);
        return;
      case "result": {
        const overLimits = this.resultLimits && resultOverLimits(message as unknown as SandboxRunResult, this.resultLimits);
        if (overLimits) this.kill(`broke the protocol: it ${overLimits}`);
        else this.settle(message["id"] as number, message);
        return;
      }
      default:
        this.settle(message["id"] as number, message);
    }
  }

  private settle(id: number, message: Record<string, unknown>, failed = false): void {
    const waiter = this.pending.get(id);
    if (waiter === undefined) return;
    this.pending.delete(id);
    if (failed) waiter.reject(new SandboxError(`The Python sandbox ${String(message["message"] ?? "failed")}`));
    else waiter.resolve(message);
  }

  /** Answers every tool call still running with an interruption, so Python stops waiting. */
  interruptToolCalls(message: string): boolean {
    const interrupted = this.openToolCalls.size > 0;
    for (const callId of this.openToolCalls) {
      this.writeLine({ type: "tool-result", id: callId, reply: JSON.stringify({ ok: false, error: { type: "interrupted", message } }) });
    }
    this.openToolCalls.clear();
    return interrupted;
  }

  private handleToolCall(callId: number, call: SandboxToolCall | undefined): void {
    // Python's tool calls block until answered: a second one while one is open was not made by the runtime.
    if (this.openToolCalls.size > 0 || typeof callId !== "number") {
      this.kill("made a second tool call while one was open");
      return;
    }
    this.openToolCalls.add(callId);
    const handler = this.onToolCall;
    const answer =
      call === undefined
        ? Promise.reject(new Error("malformed tool call"))
        : handler
          ? handler(call)
          : Promise.reject(new Error("no tools are installed"));
    answer
      .catch((error: unknown) =>
        JSON.stringify({ ok: false, error: { type: "ToolError", message: error instanceof Error ? error.message : String(error) } }),
      )
      .then((reply) => {
        // A call already answered by an interruption gets no second reply.
        if (this.openToolCalls.delete(callId)) this.writeLine({ type: "tool-result", id: callId, reply });
      });
  }
}
