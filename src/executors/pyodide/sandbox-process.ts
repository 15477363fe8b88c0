import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";

import { killOnExit, killWithGroup } from "../../kill-on-exit.js";
import { holdEventLoop } from "../child-references.js";
import { LineSplitter } from "../line-splitter.js";
import { MemoryWatchdog, overMemoryError, RUNTIME_OVERHEAD_MB } from "../memory-watchdog.js";
import { DEFAULT_MAX_LINE_LENGTH, SandboxSession } from "../channel/bridge-session.js";

const STDERR_TAIL = 4000;

/** The last lines of a process's stderr, without Deno's stack lines (they name our files, not the user's problem). */
export function stderrSummary(stderrTail: string): string {
  const lines = stderrTail
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("at "));
  return lines.length > 0 ? `: ${lines.slice(-3).join(" | ")}` : "";
}

/**
 * Starts a Deno sandbox process with an empty environment (but for plain error text: Deno colours
 * it otherwise), its stdout split into lines for `lines`, and the tail of its stderr kept for
 * messages (read it with the returned function).
 */
export function spawnDeno(command: string, args: readonly string[], lines: () => LineSplitter): { child: ChildProcessWithoutNullStreams; stderrTail: () => string } {
  const child = spawn(command, args, { env: { NO_COLOR: "1" }, stdio: ["pipe", "pipe", "pipe"], detached: false });
  killOnExit.add(child, () => killWithGroup(child));
  let tail = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (text: string) => lines().push(text));
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text: string) => {
    tail = (tail + text).slice(-STDERR_TAIL);
  });
  child.stdin.on("error", () => {
    // The process died; `exit` reports it.
  });
  return { child, stderrTail: () => tail };
}


/**
 * One sandbox in a Deno process of its own (the default isolation): its lines come on the
 * process's stdout, an interrupt is SIGUSR1, and the whole process is capped at `memoryLimitMb`
 * plus the runtime's own {@link RUNTIME_OVERHEAD_MB}, checked from here while it works.
 */
export class SandboxProcess extends SandboxSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: LineSplitter;
  private readonly stderrTail: () => string;
  private readonly watchdog: MemoryWatchdog | undefined;

  constructor(command: string, args: readonly string[]) {
    super();
    const started = spawnDeno(command, args, () => this.lines);
    this.child = started.child;
    this.stderrTail = started.stderrTail;
    this.lines = new LineSplitter({
      maxLineLength: DEFAULT_MAX_LINE_LENGTH,
      onLine: (line) => {
        if (line.startsWith(this.token)) this.receive(line.slice(this.token.length));
      },
      onOverflow: (length) => this.kill(`sent a line of over ${length} characters, past the protocol's limit of ${this.maxLineLength}`),
    });
    this.child.on("exit", (code, signal) => {
      killOnExit.delete(this.child);
      this.watchdog?.stop();
      this.markEnded(signal ? `killed by ${signal}` : `exited with code ${code}`);
    });
    this.child.on("error", (error) => {
      killOnExit.delete(this.child);
      this.markEnded(`could not start: ${error.message}`);
    });
    this.watchdog = this.child.pid === undefined ? undefined : new MemoryWatchdog(this.child.pid, (resident, limit) => this.overMemory(resident, limit));
    this.sendLine(JSON.stringify({ token: this.token }));
    this.setWorking(false);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  override limitMemory(memoryLimitMb: number): void {
    super.limitMemory(memoryLimitMb);
    this.watchdog?.setLimit((memoryLimitMb + RUNTIME_OVERHEAD_MB) * 1024 * 1024);
  }

  /** Also bounds the stream reader: a longer line ends the process before it is buffered whole. */
  override limitLineLength(maxLineLength: number): void {
    super.limitLineLength(maxLineLength);
    this.lines.setMaxLineLength(maxLineLength + this.token.length);
  }

  private overMemory(residentBytes: number, limitBytes: number): void {
    this.memoryError = overMemoryError("its process", residentBytes, limitBytes, {
      memoryLimitMb: this.memoryLimitMb,
      runtimeMb: RUNTIME_OVERHEAD_MB,
      runtimeName: "the Python runtime itself",
    });
    this.kill("went over its memory limit");
  }

  protected sendLine(line: string): void {
    if (this.child.stdin.writable) this.child.stdin.write(`${line}\n`);
  }

  protected signalInterrupt(): void {
    this.child.kill("SIGUSR1");
  }

  protected terminate(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }

  protected setWorking(working: boolean): void {
    holdEventLoop(this.child, working);
    if (working) this.watchdog?.start();
    else this.watchdog?.stop();
  }

  protected describeExit(): string {
    return `The Python sandbox process ${this.exitReason ?? "stopped"}${stderrSummary(this.stderrTail())}`;
  }
}
