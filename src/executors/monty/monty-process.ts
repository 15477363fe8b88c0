/**
 * The host's handle on one Monty sandbox process: starts it with an empty environment, reads its
 * stdout as lines in linear time with a length limit, checks every message, and matches answers
 * to requests. The child is untrusted: a malformed or unexpected message, or an over-long line,
 * ends it, and every request still waiting then fails with {@link SandboxExitedError}.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

import { SandboxError, SandboxMemoryError } from "../../errors.js";
import { killOnExit, killWithGroup } from "../../kill-on-exit.js";
import { holdEventLoop } from "../child-references.js";
import { EXECUTOR_DEFAULTS } from "../executor.js";
import { LineSplitter } from "../line-splitter.js";
import { MemoryWatchdog } from "../memory-watchdog.js";
import type { PoolMember } from "../warm-pool.js";
import { encodeMessage, parseChildMessage, type ChildMessage, type HostMessage } from "./monty-protocol.js";
import type { SandboxToolCall } from "./value-limits.js";

/** The sandbox process ended (crashed, was killed, or broke the protocol) while the host needed it. */
export class SandboxExitedError extends SandboxError {
  override readonly name = "SandboxExitedError";
}

type Answer = Extract<ChildMessage, { type: "done" | "result" }>;
type Request = Extract<HostMessage, { type: "variables" | "run" }>;

/** Answers a tool call with `answerToolCall`'s JSON text. */
export type ToolCallHandler = (call: SandboxToolCall) => Promise<string>;

const STDERR_TAIL = 2000;
/** Before an executor sets its own limit, the child has nothing long to say. */
const INITIAL_LINE_LIMIT = 64 * 1024;

/** See the module comment. */
export class MontyProcess implements PoolMember {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, { resolve(answer: Answer): void; reject(error: Error): void }>();
  private readonly lines: LineSplitter;
  private readonly watchdog: MemoryWatchdog | undefined;
  private memoryError: SandboxMemoryError | undefined;
  private lineLimit = INITIAL_LINE_LIMIT;
  private nextId = 0;
  private busy = 0;
  private openToolCall: number | undefined;
  private stderrTail = "";
  private exitReason: string | undefined;
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  /** Called for each tool call the running code makes. */
  onToolCall: ToolCallHandler | undefined;

  /** `memoryLimitMb`: the executor's limit, from which the process's JavaScript heap limit is sized. */
  constructor(private readonly memoryLimitMb: number = EXECUTOR_DEFAULTS.memoryLimitMb) {
    const script = sandboxScript();
    // No environment, no arguments beyond the heap limit and the script: the process has nothing to give away.
    const args = [`--max-old-space-size=${heapLimitMb(memoryLimitMb)}`, script];
    this.child = spawn(process.execPath, args, { env: {}, cwd: dirname(script), stdio: ["pipe", "pipe", "pipe"] });
    killOnExit.add(this.child, () => killWithGroup(this.child));
    this.watchdog = this.child.pid === undefined ? undefined : new MemoryWatchdog(this.child.pid, (resident, limit) => this.overMemory(resident, limit));
    this.watchdog?.setLimit(residentLimitMb(memoryLimitMb) * 1024 * 1024);
    const self = this;
    this.lines = new LineSplitter({
      get maxLineLength() {
        return self.lineLimit;
      },
      onLine: (line) => this.receive(line),
      onOverflow: (length) => this.kill(`sent a line of ${length} characters, over the protocol's limit`),
    });
    this.child.stdout.setEncoding("utf8");
    this.child.stdout.on("data", (chunk: string) => this.lines.push(chunk));
    this.child.stderr.setEncoding("utf8");
    this.child.stderr.on("data", (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL);
    });
    this.child.stdin.on("error", () => undefined); // the exit handler reports a dead child
    const started = new Promise<void>((resolve, reject) => this.pending.set(0, { resolve: () => resolve(), reject }));
    this.ready = started.then(() => this.prime());
    this.ready.catch(() => undefined); // a spare may never be used
    this.exited = new Promise((resolve) => {
      this.child.on("error", (error) => {
        this.exitReason ??= `could not start: ${error.message}`;
      });
      this.child.on("exit", (code, signal) => {
        this.watchdog?.stop();
        killOnExit.delete(this.child);
        this.exitReason ??= signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const error = this.memoryError ?? new SandboxExitedError(this.describeExit());
        for (const waiter of this.pending.values()) waiter.reject(error);
        this.pending.clear();
        resolve();
      });
    });
    this.idle();
  }

  get alive(): boolean {
    return this.exitReason === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Why the process ended, once it has. */
  get endReason(): string | undefined {
    return this.exitReason === undefined ? undefined : this.describeExit();
  }

  /** Operating-system process id, for measuring memory. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The longest line the child may send from now on (set from the executor's limits). */
  setLineLimit(characters: number): void {
    this.lineLimit = characters;
  }

  /**
   * One empty round trip before the sandbox counts as ready: the first message through new pipes
   * takes milliseconds on both sides, and it should not be the first run's.
   */
  private async prime(): Promise<void> {
    const complaint = await this.sendVariables("{}");
    if (complaint !== undefined) throw new SandboxExitedError(`The Monty sandbox process did not start: ${complaint}`);
  }

  /** Defines variables in the sandbox's namespace; resolves with the sandbox's complaint, if any. */
  async sendVariables(json: string): Promise<string | undefined> {
    const answer = await this.request({ type: "variables", id: ++this.nextId, json });
    return answer.type === "done" ? answer.error : "answered with a result";
  }

  /** Starts a run; `id` names it for {@link stop}. */
  startRun(message: Omit<Extract<HostMessage, { type: "run" }>, "type" | "id">): { id: number; result: Promise<Extract<ChildMessage, { type: "result" }>> } {
    const id = ++this.nextId;
    const result = this.request({ type: "run", id, ...message }).then((answer) => {
      if (answer.type !== "result") throw new SandboxExitedError("The Monty sandbox answered a run without a result.");
      return answer;
    });
    return { id, result };
  }

  /** Asks run `id` to stop at its next pause. */
  stop(id: number, reason: "timeout" | "abort"): void {
    this.write({ type: "stop", id, reason });
  }

  private request(message: Request): Promise<Answer> {
    const answer = new Promise<Answer>((resolve, reject) => {
      if (!this.alive) reject(new SandboxExitedError(this.describeExit()));
      else this.pending.set(message.id, { resolve, reject });
    });
    this.write(message);
    return this.hold(answer);
  }

  async hold<T>(work: Promise<T>): Promise<T> {
    if (this.busy++ === 0) {
      this.watchdog?.start();
      holdEventLoop(this.child, true);
    }
    try {
      return await work;
    } finally {
      if (--this.busy === 0) this.idle();
    }
  }

  kill(reason: string): void {
    this.exitReason ??= reason;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }

  /** Values crossing out of Monty are copied outside its own limit: the process as a whole is held to one too. */
  private overMemory(residentBytes: number, limitBytes: number): void {
    const mb = (bytes: number) => Math.round(bytes / 1024 / 1024).toLocaleString("en-US");
    this.memoryError = new SandboxMemoryError(
      `The sandbox went over its memory limit and was ended: its process held ${mb(residentBytes)} MB, over the ${mb(limitBytes)} MB ` +
        `allowed for memoryLimitMb ${this.memoryLimitMb} (values crossing out of Monty, such as one list shared many times, are copied in full). ` +
        "Use less memory at once (work in smaller parts, return or keep less), or ask the user to raise memoryLimitMb.",
    );
    this.kill("went over its memory limit");
  }

  private write(message: HostMessage): void {
    if (this.alive && this.child.stdin.writable) this.child.stdin.write(encodeMessage(message));
  }

  private idle(): void {
    this.watchdog?.stop();
    holdEventLoop(this.child, false);
  }

  private describeExit(): string {
    const tail = this.stderrTail.trim().split("\n").slice(-2).join(" | ");
    return `The Monty sandbox process ${this.exitReason ?? "stopped"}${tail ? `: ${tail}` : ""}`;
  }

  private receive(line: string): void {
    if (!this.alive) return;
    const message = parseChildMessage(line);
    if (message === undefined) return this.kill("sent a malformed protocol message");
    if (message.type === "tool-call") return this.answerToolCall(message);
    const id = message.type === "ready" ? 0 : message.id;
    const waiter = this.pending.get(id);
    // An answer nobody asked for is a child that does not follow the protocol.
    if (waiter === undefined) return this.kill(`sent an unexpected '${message.type}' message`);
    this.pending.delete(id);
    // A tool still running when its run ended gets no answer through.
    if (message.type === "result") this.openToolCall = undefined;
    waiter.resolve(message as Answer);
  }

  private answerToolCall(message: Extract<ChildMessage, { type: "tool-call" }>): void {
    const handler = this.onToolCall;
    // Monty makes one call at a time, and only while a run is going.
    if (handler === undefined || this.openToolCall !== undefined) return this.kill("made a tool call outside a run's turn");
    this.openToolCall = message.callId;
    handler({ name: message.name, args: message.args, kwargs: message.kwargs })
      .catch((error: unknown) => JSON.stringify({ ok: false, error: { type: "ToolError", message: error instanceof Error ? error.message : String(error) } }))
      .then((reply) => {
        if (this.openToolCall !== message.callId) return;
        this.openToolCall = undefined;
        this.write({ type: "tool-result", callId: message.callId, reply });
      });
  }
}

/**
 * The JavaScript heap the sandbox process may use. Values leaving Monty become JavaScript objects,
 * outside Monty's own memory limit (one list shared 10,000 times becomes 10,000 copies); with the
 * heap limited, such an overshoot ends this process (a crash the host reports), never the machine.
 * Room for the kept values (`memoryLimitMb`), a value being converted, and the process's own needs.
 */
export function heapLimitMb(memoryLimitMb: number): number {
  return Math.ceil(2 * memoryLimitMb + 192);
}

/** The resident memory the whole process may reach: Monty's heap, the JavaScript heap, and Node's own (about 100 MB). */
function residentLimitMb(memoryLimitMb: number): number {
  return memoryLimitMb + heapLimitMb(memoryLimitMb) + 128;
}

/**
 * The compiled child script. From the TypeScript sources (the tests), the compiled copy in
 * `dist/` is used: a Node process cannot run `.ts` files.
 */
function sandboxScript(): string {
  const here = fileURLToPath(import.meta.url);
  const script = here.endsWith(".ts")
    ? fileURLToPath(new URL("../../../dist/executors/monty/sandbox-child.js", import.meta.url))
    : fileURLToPath(new URL("./sandbox-child.js", import.meta.url));
  if (!existsSync(script)) throw new SandboxError(`The Monty sandbox script ${script} is missing. Run \`npm run build\` first.`);
  return script;
}
