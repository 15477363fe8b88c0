import { availableParallelism } from "node:os";

import { Semaphore } from "../../semaphore.js";
import { WarmPool } from "../warm-pool.js";
import { denoArguments, denoExecutable, pyodideDirectory, SANDBOX_FILES } from "./deno-command.js";
import { SandboxProcess } from "./sandbox-process.js";
import { pyodideSnapshot } from "./snapshot.js";

/**
 * Loading Pyodide keeps a core busy for a while. Started all at once, twenty sandboxes would share
 * the cores and all be ready late; started a few at a time, the first ones are ready early.
 */
const loadSlots = new Semaphore(Math.max(1, availableParallelism()));

/** Starts one sandbox process, from the memory snapshot when there is one; it loads in the background. */
async function spawnSandbox(): Promise<SandboxProcess> {
  const snapshot = await pyodideSnapshot();
  const pyodide = pyodideDirectory();
  const readable = [pyodide, SANDBOX_FILES.main, SANDBOX_FILES.interruptWorker, SANDBOX_FILES.runtime];
  if (snapshot) readable.push(snapshot);
  const release = await loadSlots.acquire();
  const sandbox = new SandboxProcess(denoExecutable(), denoArguments({ readable, args: [pyodide, snapshot ?? "", "run"] }));
  void sandbox.ready.finally(release).catch(() => undefined);
  return sandbox;
}

/** Starts one sandbox process and waits until it answers. */
export async function startSandbox(): Promise<SandboxProcess> {
  const sandbox = await spawnSandbox();
  await sandbox.hold(sandbox.ready);
  return sandbox;
}

/**
 * The pool every PyodideExecutor in this process shares. One warm spare by default. The refill
 * waits 200 ms: loading a spare takes both cores of a small machine for a moment.
 */
export const sharedSandboxPool = new WarmPool<SandboxProcess>({
  spareCount: Number(process.env["CODEAGENT_POOL_SIZE"] ?? 1),
  spawnSpare: spawnSandbox,
  startNow: startSandbox,
  refillDelayMs: 200,
});
