import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";

import { SandboxMemoryError } from "../../errors.js";
import { killOnExit } from "../../kill-on-exit.js";
import { holdEventLoop } from "../child-references.js";
import { LineSplitter } from "../line-splitter.js";
import { megabytes, MemoryWatchdog } from "../memory-watchdog.js";
import { DEFAULT_MAX_LINE_LENGTH, SandboxSession } from "../channel/bridge-session.js";
import { spawnDeno, stderrSummary } from "./sandbox-process.js";

const TOKEN_LENGTH = 32;

/**
 * What the shared process takes for itself besides its sandboxes: Deno, the compiled module and
 * the snapshot held once for all of them.
 */
export const SHARED_PROCESS_OVERHEAD_MB = 256;
/**
 * What one sandbox thread takes besides the Python heap `memoryLimitMb` caps: its V8 heap and
 * Pyodide's JavaScript (an idle one is about 100 MB), the headroom the wasm limit grants for
 * reporting a MemoryError, and room for what Python allocates outside the wasm heap.
 */
export const SHARED_SANDBOX_OVERHEAD_MB = 256;

/** How long a sandbox thread has to end after the host asked before the whole process is ended. */
const END_CONFIRMATION_MS = 3_000;
/**
 * How long a retiring process lives on: the thread that could not be ended may still be running
 * code, beside the other sandboxes, so they get this long to finish what they are doing.
 */
const RETIRING_GRACE_MS = 30_000;

/**
 * One Deno process hosting several sandboxes, each on a worker thread (sandbox-host.mjs). The
 * process's stdout carries every sandbox's lines, each under its own token; the host routes them by
 * token. What the sandboxes share, they lose together: the memory wall is around the whole process
 * (the sum of its sandboxes' limits), and a sandbox thread that cannot be ended (Deno cannot stop a
 * thread running wasm without pause) leaves the process *retiring*: it takes no new sandboxes and
 * is ended once its last one is done.
 */
export class SharedSandboxProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly token = randomBytes(16).toString("hex");
  private readonly lines: LineSplitter;
  private readonly sandboxes = new Map<number, SharedSandbox>();
  private readonly byToken = new Map<string, SharedSandbox>();
  private readonly watchdog: MemoryWatchdog | undefined;
  private nextSandboxId = 0;
  private working = 0;
  private readonly stderrTail: () => string;
  private exitReason: string | undefined;
  private memoryOver: { residentBytes: number; limitBytes: number; sandboxes: number } | undefined;
  private retiring = false;
  private markReady!: () => void;
  /** Resolves when the process has compiled Pyodide and can start sandboxes. */
  readonly ready: Promise<void>;
  /** Settles once the process has exited. */
  readonly exited: Promise<void>;

  constructor(
    command: string,
    args: readonly string[],
    private readonly capacity: number,
  ) {
    const started = spawnDeno(command, args, () => this.lines);
    this.child = started.child;
    this.stderrTail = started.stderrTail;
    // One sandbox's overlong line ends that sandbox, not the stream the others' lines share.
    this.lines = new LineSplitter({
      maxLineLength: DEFAULT_MAX_LINE_LENGTH + TOKEN_LENGTH,
      skipOverlong: true,
      onLine: (line) => this.route(line),
      onOverflow: (length, head) => this.byToken.get(head.slice(0, TOKEN_LENGTH))?.kill(`sent a line of over ${length} characters, past the protocol's limit`),
    });
    let failStart!: (error: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      this.markReady = resolve;
      failStart = reject;
    });
    this.ready.catch(() => undefined);
    this.exited = new Promise((resolve) => {
      const ended = (reason: string) => {
        killOnExit.delete(this.child);
        this.watchdog?.stop();
        this.exitReason ??= reason;
        failStart(new Error(this.describeExit()));
        for (const sandbox of [...this.sandboxes.values()]) this.forget(sandbox, this.exitReason);
        resolve();
      };
      this.child.on("exit", (code, signal) => ended(signal ? `killed by ${signal}` : `exited with code ${code}`));
      this.child.on("error", (error) => ended(`could not start: ${error.message}`));
    });
    this.watchdog = this.child.pid === undefined ? undefined : new MemoryWatchdog(this.child.pid, (resident, limit) => this.overMemory(resident, limit));
    this.child.stdin.write(`${JSON.stringify({ token: this.token })}\n`);
    holdEventLoop(this.child, false);
  }

  /** Operating-system process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the process can take another sandbox now. */
  get hasRoom(): boolean {
    return this.alive && !this.retiring && this.sandboxes.size < this.capacity;
  }

  get alive(): boolean {
    return this.exitReason === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Keeps the host's event loop alive until `work` settles (see SandboxSession.hold). */
  async hold<T>(work: Promise<T>): Promise<T> {
    this.setWorking(true);
    try {
      return await work;
    } finally {
      this.setWorking(false);
    }
  }

  /** Starts a sandbox thread; `role` "spare" also warms it up before it reports ready. */
  startSandbox(role: "spare" | "run"): SharedSandbox {
    const sandbox = new SharedSandbox(this, ++this.nextSandboxId);
    if (!this.alive) {
      sandbox.ended(this.exitReason ?? "its process had ended");
      return sandbox;
    }
    this.sandboxes.set(sandbox.sandboxId, sandbox);
    this.command({ op: "start", sid: sandbox.sandboxId, role });
    return sandbox;
  }

  /** Ends the process and every sandbox in it. */
  kill(reason: string): void {
    this.exitReason ??= reason;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }

  /** @internal */
  command(message: Record<string, unknown>): void {
    this.write(`@${JSON.stringify(message)}`);
  }

  /** @internal */
  deliver(sandboxId: number, line: string): void {
    this.write(`${sandboxId}:${line}`);
  }

  /** @internal A sandbox started or stopped waiting on its process. */
  setWorking(working: boolean): void {
    this.working += working ? 1 : -1;
    holdEventLoop(this.child, this.working > 0);
    if (this.working > 0) this.watchdog?.start();
    else this.watchdog?.stop();
  }

  /** @internal The limits of a sandbox changed: the process's wall and line limit follow. */
  limitsChanged(): void {
    let memoryMb = SHARED_PROCESS_OVERHEAD_MB;
    let maxLine = DEFAULT_MAX_LINE_LENGTH;
    for (const sandbox of this.sandboxes.values()) {
      memoryMb += sandbox.memoryLimit + SHARED_SANDBOX_OVERHEAD_MB;
      maxLine = Math.max(maxLine, sandbox.lineLimit);
    }
    this.watchdog?.setLimit(memoryMb * 1024 * 1024);
    this.lines.setMaxLineLength(maxLine + TOKEN_LENGTH);
  }

  /** @internal Asks the process to end a sandbox thread; the whole process goes if it does not confirm. */
  endSandbox(sandbox: SharedSandbox): void {
    if (!this.sandboxes.has(sandbox.sandboxId)) return;
    this.command({ op: "end", sid: sandbox.sandboxId });
    const unconfirmed = setTimeout(() => {
      if (this.sandboxes.has(sandbox.sandboxId)) this.kill("did not end a sandbox thread when asked");
    }, END_CONFIRMATION_MS);
    unconfirmed.unref();
  }

  /** @internal A sandbox's exit, for messages. */
  describe(reason: string | undefined): string {
    return `The Python sandbox (a thread of a shared sandbox process) ${reason ?? "stopped"}${stderrSummary(this.stderrTail())}`;
  }

  private write(line: string): void {
    if (this.child.stdin.writable) this.child.stdin.write(`${line}\n`);
  }

  private route(line: string): void {
    const token = line.slice(0, TOKEN_LENGTH);
    if (token === this.token) this.hostEvent(line.slice(TOKEN_LENGTH));
    else this.byToken.get(token)?.receiveLine(line.slice(TOKEN_LENGTH));
  }

  private hostEvent(body: string): void {
    let event: { type?: unknown; sid?: unknown; busy?: unknown; reason?: unknown; token?: unknown };
    try {
      event = JSON.parse(body) as typeof event;
    } catch {
      this.kill("sent a malformed protocol message");
      return;
    }
    if (event.type === "ready") this.markReady();
    else if (event.type === "started" && typeof event.sid === "number" && typeof event.token === "string") {
      const sandbox = this.sandboxes.get(event.sid);
      if (sandbox && /^[0-9a-f]{32}$/.test(event.token) && !this.byToken.has(event.token)) {
        sandbox.tokenArrived(event.token);
        this.byToken.set(event.token, sandbox);
      }
    } else if (event.type === "ended" && typeof event.sid === "number") {
      const sandbox = this.sandboxes.get(event.sid);
      // A thread that may still run keeps burning a core and holding its memory: the process retires.
      if (event.busy === true) this.retire();
      if (sandbox) this.forget(sandbox, typeof event.reason === "string" ? event.reason : "ended");
    }
  }

  /**
   * No new sandboxes here: spares not yet handed out go too, and the process ends with its last
   * sandbox, or {@link RETIRING_GRACE_MS} from now at the latest.
   */
  private retire(): void {
    if (this.retiring) return;
    this.retiring = true;
    for (const sandbox of this.sandboxes.values()) if (!sandbox.claimed) sandbox.kill("its process is retiring");
    const deadline = setTimeout(
      () =>
        this.kill(
          `was ended ${RETIRING_GRACE_MS / 1000} s after code in another of its sandboxes could not be stopped ` +
            '(isolation: "shared"; each sandbox has a process of its own with isolation: "process")',
        ),
      RETIRING_GRACE_MS,
    );
    deadline.unref();
  }

  private forget(sandbox: SharedSandbox, reason: string): void {
    this.sandboxes.delete(sandbox.sandboxId);
    this.byToken.delete(sandbox.token);
    sandbox.ended(reason);
    this.limitsChanged();
    // An empty process only holds memory: the next sandbox starts in a new one (or another with room).
    if (this.sandboxes.size === 0) this.kill(this.retiring ? "retired" : "had no sandboxes left");
  }

  private overMemory(residentBytes: number, limitBytes: number): void {
    this.memoryOver = { residentBytes, limitBytes, sandboxes: this.sandboxes.size };
    this.kill("went over its memory limit");
  }

  /** @internal Why a sandbox of this process was ended for memory, if it was. */
  memoryErrorFor(memoryLimitMb: number): SandboxMemoryError | undefined {
    if (this.memoryOver === undefined) return undefined;
    const { residentBytes, limitBytes, sandboxes } = this.memoryOver;
    return new SandboxMemoryError(
      `The shared sandbox process went over its memory limit and was ended, with the ${sandboxes} sandbox${sandboxes === 1 ? "" : "es"} in it: ` +
        `it held ${megabytes(residentBytes)} MB, over the ${megabytes(limitBytes)} MB its sandboxes may hold together ` +
        `(memoryLimitMb ${memoryLimitMb} plus ${SHARED_SANDBOX_OVERHEAD_MB} MB each, and ${SHARED_PROCESS_OVERHEAD_MB} MB for the process). ` +
        "Use less memory at once (work in smaller parts, drop what is no longer needed), ask the user to raise memoryLimitMb, " +
        'or use isolation: "process", where each sandbox has a memory wall of its own.',
    );
  }

  private describeExit(): string {
    return `The shared Python sandbox process ${this.exitReason ?? "stopped"}${stderrSummary(this.stderrTail())}`;
  }
}

/** One sandbox on a thread of a {@link SharedSandboxProcess}. */
export class SharedSandbox extends SandboxSession {
  private handedOut = false;

  constructor(
    private readonly host: SharedSandboxProcess,
    /** The sandbox's number in its process. */
    readonly sandboxId: number,
  ) {
    super();
  }

  get pid(): number | undefined {
    return this.host.pid;
  }

  claim(): void {
    this.handedOut = true;
  }

  /** Whether the sandbox is someone's, not a spare waiting in the pool. */
  get claimed(): boolean {
    return this.handedOut;
  }

  /** Whether the process this sandbox lives in is still running. */
  get processAlive(): boolean {
    return this.host.alive;
  }

  /** @internal */
  get memoryLimit(): number {
    return this.memoryLimitMb;
  }

  /** @internal */
  get lineLimit(): number {
    return this.maxLineLength;
  }

  override limitMemory(memoryLimitMb: number): void {
    super.limitMemory(memoryLimitMb);
    this.host.limitsChanged();
  }

  override limitLineLength(maxLineLength: number): void {
    super.limitLineLength(maxLineLength);
    this.host.limitsChanged();
  }

  /** @internal The shared process made this sandbox's token. */
  tokenArrived(token: string): void {
    this.useToken(token);
  }

  /** @internal One of this sandbox's lines, after its token. */
  receiveLine(body: string): void {
    this.receive(body);
  }

  /** @internal The thread is gone. */
  ended(reason: string): void {
    this.memoryError ??= this.host.memoryErrorFor(this.memoryLimitMb);
    this.markEnded(reason);
  }

  protected sendLine(line: string): void {
    this.host.deliver(this.sandboxId, line);
  }

  protected signalInterrupt(): void {
    this.host.command({ op: "interrupt", sid: this.sandboxId });
  }

  protected terminate(): void {
    this.host.endSandbox(this);
  }

  protected setWorking(working: boolean): void {
    this.host.setWorking(working);
  }

  protected describeExit(): string {
    return this.host.describe(this.exitReason);
  }
}
