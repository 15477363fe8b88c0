/**
 * A {@link SandboxChannel} to a child process on this machine: messages on its stdin and stdout,
 * an interrupt as a signal, the whole process group killed when it ends (so nothing the code
 * started outlives it), its resident memory watched from here while the host waits on it, and the
 * tail of its stderr kept to say why it died.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";

import { SandboxMemoryError } from "../../errors.js";
import { killOnExit, killWithGroup } from "../../kill-on-exit.js";
import { holdEventLoop } from "../child-references.js";
import { megabytes, MemoryWatchdog } from "../memory-watchdog.js";
import { LineChannel } from "./line-channel.js";

/** How much of a sandbox's stderr the host keeps to say why it ended (its last characters). */
export const STDERR_TAIL = 4000;
const IDLE_MEMORY_CHECK_MS = 1000;

/** How to start a sandbox process. */
export interface ChildProcessChannelOptions {
  command: string;
  args: readonly string[];
  /** The process's whole environment (nothing of the host's is passed on unless it is here). */
  env: Record<string, string>;
  /** Working directory; the host's own when absent. */
  cwd?: string;
  /** The signal that interrupts running code; without one, the session sends an interrupt message. */
  interruptSignal?: NodeJS.Signals;
  /**
   * Resident memory the whole process may hold, in bytes, checked while the host waits on it;
   * over it the process is killed and the run in flight gets `memoryError(resident, limit)`.
   */
  memoryLimitBytes?: number;
  memoryError?: (residentBytes: number, limitBytes: number) => SandboxMemoryError;
  /** What the process is called in messages ("The Python process ..."). */
  label: string;
}


/** The last lines of a stderr tail, for a message (": line | line | line", or "" when it is empty). */
export function stderrSummary(tail: string): string {
  const lines = tail
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  return lines.length > 0 ? `: ${lines.slice(-3).join(" | ")}` : "";
}

/** A line channel to a freshly spawned process; see the module comment. */
export class ChildProcessChannel extends LineChannel {
  readonly child: ChildProcessWithoutNullStreams;

  constructor(options: ChildProcessChannelOptions) {
    let child!: ChildProcessWithoutNullStreams;
    let watchdog: MemoryWatchdog | undefined;
    let memoryError: SandboxMemoryError | undefined;
    // A group of its own, so the kill reaches whatever the code spawned; killed whole, never just the leader.
    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        child.kill(signal);
      }
    };
    super({
      write: (text) => {
        if (child.stdin.writable) child.stdin.write(text);
      },
      kill: () => killGroup("SIGKILL"),
      ...(options.interruptSignal === undefined ? {} : { interrupt: () => killGroup(options.interruptSignal!) }),
      label: options.label,
      setActive: (active) => {
        holdEventLoop(child, active);
        // Idle, it is still watched, more slowly: a thread the code left running can still allocate.
        watchdog?.start(active ? undefined : IDLE_MEMORY_CHECK_MS);
      },
    });
    child = spawn(options.command, [...options.args], {
      env: options.env,
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    this.child = child;
    killOnExit.add(child, () => killWithGroup(child));
    let tail = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text: string) => this.push(text));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => {
      tail = (tail + text).slice(-STDERR_TAIL);
    });
    child.stdin.on("error", () => {
      // The process died; `exit` reports it.
    });
    child.on("exit", (code, signal) => {
      killOnExit.delete(child);
      watchdog?.stop();
      // Whatever the code left running in the group goes with it.
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // The group is already empty.
      }
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      this.end(`${how}${stderrSummary(tail)}`, memoryError);
    });
    child.on("error", (error) => {
      killOnExit.delete(child);
      this.end(`could not be started: ${error.message}`);
    });
    if (child.pid !== undefined && options.memoryLimitBytes !== undefined) {
      watchdog = new MemoryWatchdog(child.pid, (resident, limit) => {
        memoryError =
          options.memoryError?.(resident, limit) ??
          new SandboxMemoryError(`${options.label} went over its memory limit (${megabytes(resident)} MB, over ${megabytes(limit)} MB) and was ended.`);
        this.close("went over its memory limit");
      }, { includeDescendants: true });
      watchdog.setLimit(options.memoryLimitBytes);
      watchdog.start(IDLE_MEMORY_CHECK_MS);
    }
    holdEventLoop(child, false);
  }
}
