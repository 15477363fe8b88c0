import { availableParallelism } from "node:os";

import { Semaphore } from "../../semaphore.js";
import { WarmPool } from "../warm-pool.js";
import { denoArguments, pyodideDirectory, sandboxCommand, sandboxReadable } from "./deno-command.js";
import { SandboxProcess } from "./sandbox-process.js";
import { pyodideSnapshot, snapshotFailed } from "./snapshot.js";

/**
 * Loading Pyodide keeps a core busy for a while. Started all at once, twenty sandboxes would share
 * the cores and all be ready late; started a few at a time, the first ones are ready early.
 */
const loadSlots = new Semaphore(Math.max(1, availableParallelism()));

/**
 * Starts one sandbox process, from the memory snapshot when there is one; it loads in the
 * background. A pool spare also warms the interpreter up before it reports ready (sandbox.mjs),
 * so it computes at full speed from its first run; one wanted now skips that.
 */
async function spawnSandbox(role: "spare" | "run"): Promise<SandboxProcess> {
  const snapshot = await pyodideSnapshot();
  const readable = sandboxReadable();
  if (snapshot) readable.push(snapshot);
  const release = await loadSlots.acquire();
  const { command, args } = sandboxCommand(denoArguments({ readable, args: [pyodideDirectory(), snapshot ?? "", role] }));
  const sandbox = new SandboxProcess(command, args);
  void sandbox.ready.finally(release).catch(() => undefined);
  // A snapshot removed or damaged since it was checked makes the start fail: the next start makes a new one.
  if (snapshot) sandbox.ready.catch(() => snapshotFailed(snapshot));
  return sandbox;
}

/**
 * Starts one sandbox process and waits until it answers. A start that failed because the
 * snapshot had gone bad is tried once more, with a new snapshot.
 */
export async function startSandbox(): Promise<SandboxProcess> {
  for (let attempt = 1; ; attempt++) {
    const snapshot = await pyodideSnapshot();
    const sandbox = await spawnSandbox("run");
    try {
      await sandbox.hold(sandbox.ready);
      return sandbox;
    } catch (error) {
      if (attempt > 1 || snapshot === undefined || !snapshotFailed(snapshot)) throw error;
    }
  }
}

/**
 * The pool every PyodideExecutor in this process shares. One warm spare by default. The refill
 * waits 200 ms: loading a spare takes both cores of a small machine for a moment.
 */
export const sharedSandboxPool = new WarmPool<SandboxProcess>({
  spareCount: Number(process.env["CODEAGENT_POOL_SIZE"] ?? 1),
  spawnSpare: () => spawnSandbox("spare"),
  startNow: startSandbox,
  refillDelayMs: 200,
});
