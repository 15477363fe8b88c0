/**
 * Ends the sandbox process when its host is gone. The host ends its sandboxes when it closes, but
 * a host killed outright (SIGKILL, a crash) cannot, and the sandbox's main thread may be inside
 * Monty, in a loop that never pauses, where no event (not even stdin's end) is seen. So a small
 * worker thread, which Monty never blocks, checks now and then whether the parent process is
 * still the one that started this process, and ends the process at once when it is not.
 */
import { Worker } from "node:worker_threads";

const CHECK_INTERVAL_MS = 250;

// CommonJS source run by the worker (an `eval` worker is not a module).
const WATCHDOG_SOURCE = `
const { workerData } = require("node:worker_threads");
setInterval(() => {
  if (process.ppid !== workerData.parent) process.kill(process.pid, "SIGKILL");
}, workerData.interval);
`;

/** Starts the watchdog; it does not keep the process alive by itself. */
export function startOrphanWatchdog(): void {
  const worker = new Worker(WATCHDOG_SOURCE, {
    eval: true,
    workerData: { parent: process.ppid, interval: CHECK_INTERVAL_MS },
    // A thread that reads one number needs little memory.
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
    stdout: false,
    stderr: false,
  });
  worker.on("error", () => undefined);
  worker.unref();
}
