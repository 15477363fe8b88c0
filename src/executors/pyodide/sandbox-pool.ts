import { availableParallelism } from "node:os";

import { Semaphore } from "../../semaphore.js";
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

const REFILL_DELAY_MS = 200;

/**
 * Sandboxes started ahead of need, so an executor gets a ready one in milliseconds instead of
 * waiting for Pyodide to load. A sandbox leaves the pool for good: used ones are never reused.
 */
export class SandboxPool {
  private readonly spares: Promise<SandboxProcess>[] = [];
  private refillTimer: NodeJS.Timeout | undefined;

  constructor(private spareCount: number) {}

  /** A ready sandbox: a warm spare when there is one, else a new one. Refills the pool behind it. */
  async acquire(): Promise<SandboxProcess> {
    try {
      while (this.spares.length > 0) {
        const sandbox = await this.spares.shift()!.catch(() => undefined);
        if (sandbox?.alive && (await sandbox.hold(sandbox.ready).then(() => true, () => false))) return sandbox;
      }
      return await startSandbox();
    } finally {
      this.refillSoon();
    }
  }

  /** Keeps at least `count` sandboxes ready from now on, and resolves once they are. */
  async prewarm(count: number): Promise<void> {
    this.spareCount = Math.max(this.spareCount, count);
    this.refill();
    await Promise.allSettled(
      this.spares.map(async (spare) => {
        const sandbox = await spare;
        await sandbox.hold(sandbox.ready);
      }),
    );
  }

  /** Ends every spare sandbox; the pool refills on its next use. */
  async drain(): Promise<void> {
    clearTimeout(this.refillTimer);
    this.refillTimer = undefined;
    const spares = this.spares.splice(0);
    await Promise.all(
      spares.map(async (spare) => {
        const sandbox = await spare.catch(() => undefined);
        if (sandbox) {
          sandbox.kill("pool drained");
          await sandbox.hold(sandbox.exited);
        }
      }),
    );
  }

  /**
   * Loading a spare takes both cores of a small machine for a moment; starting it right away would
   * slow the first steps of the sandbox just handed out, so the refill waits a little.
   */
  private refillSoon(): void {
    if (this.refillTimer !== undefined || this.spares.length >= this.spareCount) return;
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      this.refill();
    }, REFILL_DELAY_MS);
    this.refillTimer.unref();
  }

  private refill(): void {
    while (this.spares.length < this.spareCount) {
      const spare = spawnSandbox();
      spare.then((sandbox) => sandbox.ready).catch(() => undefined);
      this.spares.push(spare);
    }
  }
}

/** The pool every PyodideExecutor in this process shares. One warm spare by default. */
export const sharedSandboxPool = new SandboxPool(Number(process.env["CODEAGENT_POOL_SIZE"] ?? 1));
