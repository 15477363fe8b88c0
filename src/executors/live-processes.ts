import type { ChildProcess } from "node:child_process";

/**
 * Every sandbox process this host started and that still runs. A sandbox busy in a loop would
 * outlive its host (it never reads the end of its stdin), so they are all killed when the host
 * exits. The exit hook is installed with the first process, never by importing codeagent.
 */
class LiveProcesses {
  private readonly children = new Set<ChildProcess>();
  private hooked = false;

  add(child: ChildProcess): void {
    if (!this.hooked) {
      this.hooked = true;
      process.on("exit", () => {
        for (const running of this.children) {
          // A sandbox that leads a process group takes what its code started with it.
          try {
            if (running.pid !== undefined) process.kill(-running.pid, "SIGKILL");
          } catch {
            running.kill("SIGKILL");
          }
        }
      });
    }
    this.children.add(child);
  }

  delete(child: ChildProcess): void {
    this.children.delete(child);
  }
}

export const liveProcesses = new LiveProcesses();
