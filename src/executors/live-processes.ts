import type { ChildProcess } from "node:child_process";

/**
 * Every sandbox process this host started and that still runs. A sandbox busy in a loop would
 * outlive its host (it never reads the end of its stdin), so they are all killed when the host exits.
 */
export const liveProcesses = new Set<ChildProcess>();

process.on("exit", () => {
  for (const child of liveProcesses) child.kill("SIGKILL");
});
