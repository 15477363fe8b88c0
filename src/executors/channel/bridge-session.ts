import { randomBytes } from "node:crypto";

import { SandboxError, type SandboxMemoryError } from "../../errors.js";
import { parseMessage, type HostRequest, resultOverLimits, toToolCall, type ResultLimits, type SandboxRunResult, type SandboxToolCall } from "./bridge-protocol.js";
import type { SandboxConnection, ToolCallHandler } from "./sandbox-connection.js";

export type { SandboxRunResult, SandboxToolCall } from "./bridge-protocol.js";

/** The sandbox ended while a request was in flight. */
export class SandboxExitedError extends SandboxError {
  override readonly name = "SandboxExitedError";
}

interface Pending {
  resolve(message: Record<string, unknown>): void;
  reject(error: Error): void;
}

/** The longest line accepted before the sandbox is configured (a spare's lines are short). */
export const DEFAULT_MAX_LINE_LENGTH = 8 * 1024 * 1024;

/**
 * The host's side of the bridge protocol (`bridge-protocol.ts`) with one sandbox, whatever carries
 * it: a {@link SandboxChannel} (`ChannelSession` below: CPython on this machine, in a container, in a
 * vendor's VM), or a Pyodide sandbox's own transports (`SandboxProcess`, `SharedSandbox`). Only
 * lines that start with this sandbox's secret token are its own: printed text is never taken for a
 * message. Pyodide's runtime keeps the token out of Python's reach; in CPython the code can find
 * it, so nothing here trusts a message for more than the code could do anyway (every message is
 * checked, and a tool call's arguments are held to the same limits). A line longer than the limit, a malformed
 * message or a second tool call while one is open ends the sandbox: it broke the protocol.
 */
export abstract class SandboxSession implements SandboxConnection {
  private secret = randomBytes(16).toString("hex");
  private readonly pending = new Map<number, Pending>();
  private readonly openToolCalls = new Set<number>();
  private nextRequestId = 0;
  private busy = 0;
  private finished = false;
  private markExited!: () => void;
  /** Interrupts requested so far: a request tells the sandbox how many to wait for before it clears them. */
  private interruptsSent = 0;
  protected exitReason: string | undefined;
  protected memoryError: SandboxMemoryError | undefined;
  protected memoryLimitMb = 0;
  protected maxLineLength = DEFAULT_MAX_LINE_LENGTH;
  /** How many tool calls may be open at once: one per thread that may call a tool. */
  protected maxOpenToolCalls = 1;
  private resultLimits: ResultLimits | undefined;
  /** Settles once the sandbox has ended. */
  readonly exited: Promise<void>;
  /** Resolves when Pyodide is loaded and the sandbox answers requests. */
  readonly ready: Promise<void>;
  /** Called for every tool call Python makes during a run. */
  onToolCall: ToolCallHandler | undefined;

  constructor() {
    this.exited = new Promise((resolve) => (this.markExited = resolve));
    this.ready = this.expect(0).then(() => undefined);
    this.ready.catch(() => undefined); // awaited by whoever uses the sandbox; a spare may never be
  }

  /** Operating-system id of the process the sandbox runs in, for measuring memory. */
  abstract get pid(): number | undefined;
  /** Delivers one line (JSON text, no newline) to the sandbox. */
  protected abstract sendLine(line: string): void;
  /** Asks the sandbox's other thread to interrupt Python. */
  protected abstract signalInterrupt(): void;
  /** Ends the sandbox now; `ended` follows once it is gone. */
  protected abstract terminate(): void;
  /** While the host waits for the sandbox, it must keep the event loop (and the memory watch) going. */
  protected abstract setWorking(working: boolean): void;
  /** Where the sandbox lives, for messages: "process" or "thread of a shared process". */
  protected abstract describeExit(): string;

  /** The id of the latest request sent (a run in flight, when one is). */
  protected get latestRequestId(): number {
    return this.nextRequestId;
  }

  /** The secret that starts each of this sandbox's lines. */
  get token(): string {
    return this.secret;
  }

  /** For a sandbox whose token is made on the sandbox's side (a thread of a shared process). */
  protected useToken(token: string): void {
    this.secret = token;
  }

  /** Whether the sandbox still answers. */
  get alive(): boolean {
    return !this.finished && this.exitReason === undefined;
  }

  /**
   * Caps the memory the sandbox may use at `memoryLimitMb` besides the runtime's own; how that is
   * enforced depends on where the sandbox lives.
   */
  limitMemory(memoryLimitMb: number): void {
    this.memoryLimitMb = memoryLimitMb;
  }

  /** Sends a request and resolves with the sandbox's `done` (or `result`) message. */
  request(message: HostRequest): Promise<Record<string, unknown>> {
    const id = ++this.nextRequestId;
    const answer = this.expect(id);
    this.writeMessage({ ...message, id, interrupts: this.interruptsSent });
    return this.hold(answer);
  }

  /**
   * Keeps the host's event loop alive until `work` settles: an idle sandbox lets the host exit,
   * but one the host is waiting for must not.
   */
  async hold<T>(work: Promise<T>): Promise<T> {
    if (this.busy++ === 0) this.setWorking(true);
    try {
      return await work;
    } finally {
      if (--this.busy === 0) this.setWorking(false);
    }
  }

  /** Asks Python to stop what it is doing (it raises KeyboardInterrupt at the next bytecode). */
  interrupt(): void {
    if (!this.alive) return;
    this.interruptsSent++;
    this.signalInterrupt();
  }

  /** Ends the sandbox now. */
  kill(reason: string): void {
    this.exitReason ??= reason;
    if (!this.finished) this.terminate();
  }

  /**
   * Sets the longest line the sandbox may send (its largest message under the configured limits).
   * Call it while no message is in flight.
   */
  limitLineLength(maxLineLength: number): void {
    this.maxLineLength = maxLineLength;
  }

  /** The logs and value a run's result may hold; a result over them ends the sandbox. */
  limitResults(limits: ResultLimits): void {
    this.resultLimits = limits;
  }

  /** Answers every tool call still running with an interruption, so Python stops waiting. */
  interruptToolCalls(message: string): boolean {
    const interrupted = this.openToolCalls.size > 0;
    for (const callId of this.openToolCalls) {
      this.writeMessage({ type: "tool-result", id: callId, reply: JSON.stringify({ ok: false, error: { type: "interrupted", message } }) });
    }
    this.openToolCalls.clear();
    return interrupted;
  }

  /** Records that the sandbox is gone: every request still waiting fails. */
  protected markEnded(reason: string): void {
    if (this.finished) return;
    this.exitReason ??= reason;
    this.finished = true;
    const error = this.exitError();
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
    this.markExited();
  }

  protected exitError(): SandboxError {
    return this.memoryError ?? new SandboxExitedError(this.describeExit());
  }

  /** One of this sandbox's lines, after its token. */
  protected receive(body: string): void {
    if (body.length > this.maxLineLength) {
      this.kill(`sent a line of over ${this.maxLineLength} characters, past the protocol's limit`);
      return;
    }
    // The sandbox is untrusted: a line it cannot have meant ends it, never the host.
    try {
      const message = parseMessage(body);
      if (message === undefined) this.kill("sent a malformed protocol message");
      else this.dispatch(message);
    } catch (error) {
      this.kill(`sent a message the host could not handle (${error instanceof Error ? error.message : "unknown error"})`);
    }
  }

  private writeMessage(message: Record<string, unknown>): void {
    if (!this.finished) this.sendLine(JSON.stringify(message));
  }

  private expect(id: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      if (!this.alive && id !== 0) reject(this.exitError());
      else this.pending.set(id, { resolve, reject });
    });
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
    if (waiter === undefined) {
      // Each request is answered once: an answer nobody waits for (a second ready, a made-up id)
      // was not sent by the runtime, and a stream of them would keep the host busy.
      this.kill("broke the protocol: it answered a request it was not asked");
      return;
    }
    this.pending.delete(id);
    if (!failed) waiter.resolve(message);
    else if (id === 0) waiter.reject(this.startupError(String(message["message"] ?? "failed")));
    else waiter.reject(new SandboxError(`The Python sandbox ${String(message["message"] ?? "failed")}`));
  }

  /** The error of a sandbox that could not start (it said why instead of `ready`). */
  protected startupError(message: string): Error {
    return new SandboxError(`The Python sandbox ${message}`);
  }

  private handleToolCall(callId: number, call: SandboxToolCall | undefined): void {
    // A tool call blocks its thread until answered: more open at once than the runtime has threads
    // that may call (one in Pyodide) were not made by the runtime.
    if (this.openToolCalls.size >= this.maxOpenToolCalls || this.openToolCalls.has(callId) || typeof callId !== "number") {
      this.kill(this.maxOpenToolCalls === 1 ? "made a second tool call while one was open" : `made more than ${this.maxOpenToolCalls} tool calls at once`);
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
        if (this.openToolCalls.delete(callId)) this.writeMessage({ type: "tool-result", id: callId, reply });
      });
  }
}
