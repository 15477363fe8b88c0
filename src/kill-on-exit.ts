/**
 * The processes this host started that must not outlive it: sandboxes (one busy in a loop never
 * reads the end of its stdin) and stdio MCP servers (the SDK's transport ends one only on
 * `close()`). Whatever is still registered when the host exits is killed from its `exit` hook.
 * The hook is installed with the first entry, never by importing codeagent.
 */
import type { ChildProcess } from "node:child_process";

/** Ends one registered process; called synchronously from the host's `exit` hook. */
export type KillProcess = () => void;

/** A registry of processes to kill when the host exits, each with its own way to be killed. */
export class KillOnExit {
  private readonly kills = new Map<object | number, KillProcess>();
  private hooked = false;

  /** `installHook`: how the registry asks to run at exit (tests pass their own). */
  constructor(private readonly installHook: (killAll: () => void) => void = (killAll) => process.on("exit", killAll)) {}

  /**
   * Registers a process under `key` (its `ChildProcess`, or its pid when only that is known).
   * Delete it once it has ended: a pid may be given to another process afterwards.
   */
  add(key: object | number, kill: KillProcess): void {
    if (!this.hooked) {
      this.hooked = true;
      this.installHook(() => this.killAll());
    }
    this.kills.set(key, kill);
  }

  /** Whether `key` is registered (that is, its process was started and not seen to end). */
  has(key: object | number): boolean {
    return this.kills.has(key);
  }

  /** Forgets `key`: its process has ended or was ended. */
  delete(key: object | number): void {
    this.kills.delete(key);
  }

  private killAll(): void {
    for (const kill of this.kills.values()) {
      try {
        kill();
      } catch {
        // One that cannot be killed must not spare the others.
      }
    }
  }
}

/** The host's one registry. */
export const killOnExit = new KillOnExit();

/** Sends SIGKILL to `pid`; a process that has already gone is not an error. */
export function killIfRunning(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/**
 * Kills `child` with SIGKILL, with its whole process group when it leads one (a sandbox started
 * `detached` takes what its code started with it).
 */
export function killWithGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}
