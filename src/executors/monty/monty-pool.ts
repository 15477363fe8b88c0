/**
 * The Monty sandbox processes every MontyExecutor in this host shares: one spare is kept started,
 * so a new sandbox (a new executor, or a fresh one after `reset()` or a crash) is ready at once.
 * A process serves one executor and is then ended, never handed out again.
 */
import { WarmPool } from "../warm-pool.js";
import { MontyProcess } from "./monty-process.js";

/** Starts a sandbox process; it loads in the background. */
export async function spawnSandbox(): Promise<MontyProcess> {
  return new MontyProcess();
}

/** Starts a sandbox process and waits until it answers. */
export async function startSandbox(): Promise<MontyProcess> {
  const sandbox = new MontyProcess();
  await sandbox.hold(sandbox.ready);
  return sandbox;
}

/** A process takes some 50 ms of a core to start; the refill waits a little so it does not slow the run just begun. */
export const sharedMontyPool = new WarmPool<MontyProcess>({
  spareCount: 1,
  spawnSpare: spawnSandbox,
  startNow: startSandbox,
  refillDelayMs: 20,
});
