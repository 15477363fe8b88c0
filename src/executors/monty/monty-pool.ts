/**
 * The Monty sandbox processes every MontyExecutor in this host shares: one spare is kept started,
 * so a new sandbox (a new executor, or a fresh one after `reset()` or a crash) is ready at once.
 * A process serves one executor and is then ended, never handed out again.
 */
import { EXECUTOR_DEFAULTS } from "../executor.js";
import { WarmPool } from "../warm-pool.js";
import { MontyProcess } from "./monty-process.js";

/** The pool's processes are sized for the default memory limit; an executor with another one starts its own. */
export const POOL_MEMORY_LIMIT_MB: number = EXECUTOR_DEFAULTS.memoryLimitMb;

/** Starts a sandbox process; it loads in the background. */
export async function spawnSandbox(): Promise<MontyProcess> {
  return new MontyProcess(POOL_MEMORY_LIMIT_MB);
}

/** Starts a sandbox process for an executor with `memoryLimitMb` and waits until it answers. */
export async function startSandbox(memoryLimitMb = POOL_MEMORY_LIMIT_MB): Promise<MontyProcess> {
  const sandbox = new MontyProcess(memoryLimitMb);
  await sandbox.hold(sandbox.ready);
  return sandbox;
}

/** A process takes some 50 ms of a core to start; the refill waits a little so it does not slow the run just begun. */
export const sharedMontyPool = new WarmPool<MontyProcess>({
  spareCount: 1,
  spawnSpare: spawnSandbox,
  startNow: () => startSandbox(),
  refillDelayMs: 20,
});
