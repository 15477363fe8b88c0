/**
 * The process ids of the stdio MCP servers this host started and has not closed. The SDK's
 * transport ends a server on `close()`; a host that exits without closing would leave it running,
 * so the remaining ones are killed on exit. The hook is installed with the first server.
 */
class LiveServerProcesses {
  private readonly pids = new Set<number>();
  private hooked = false;

  add(pid: number): void {
    if (!this.hooked) {
      this.hooked = true;
      process.on("exit", () => {
        for (const pid of this.pids) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // Already gone.
          }
        }
      });
    }
    this.pids.add(pid);
  }

  has(pid: number): boolean {
    return this.pids.has(pid);
  }

  delete(pid: number): void {
    this.pids.delete(pid);
  }
}

export const liveServerProcesses = new LiveServerProcesses();
