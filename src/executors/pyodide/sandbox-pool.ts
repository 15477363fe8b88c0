import { denoArguments, denoExecutable, pyodideDirectory, SANDBOX_FILES } from "./deno-command.js";
import { SandboxProcess } from "./sandbox-process.js";
import { pyodideSnapshot } from "./snapshot.js";

/** Starts one sandbox process, from the memory snapshot when there is one; it loads in the background. */
async function spawnSandbox(): Promise<SandboxProcess> {
  const snapshot = await pyodideSnapshot();
  const pyodide = pyodideDirectory();
  const readable = [pyodide, SANDBOX_FILES.main, SANDBOX_FILES.interruptWorker, SANDBOX_FILES.runtime];
  if (snapshot) readable.push(snapshot);
  return new SandboxProcess(denoExecutable(), denoArguments({ readable, args: [pyodide, snapshot ?? "", "run"] }));
}

/** Starts one sandbox process and waits until it answers. */
export async function startSandbox(): Promise<SandboxProcess> {
  const sandbox = await spawnSandbox();
  await sandbox.hold(sandbox.ready);
  return sandbox;
}

/**
 * Sandboxes started ahead of need, so an executor gets a ready one in milliseconds instead of
 * waiting for Pyodide to load. A sandbox leaves the pool for good: used ones are never reused.
 */
export class SandboxPool {
  private readonly spares: Promise<SandboxProcess>[] = [];

  constructor(private spareCount: number) {}

  /** A ready sandbox: a warm spare when there is one, else a new one. Refills the pool behind it. */
  async acquire(): Promise<SandboxProcess> {
    while (this.spares.length > 0) {
      const spare = this.spares.shift()!;
      this.refill();
      const sandbox = await spare.catch(() => undefined);
      if (sandbox?.alive && (await sandbox.hold(sandbox.ready).then(() => true, () => false))) return sandbox;
    }
    const sandbox = startSandbox();
    this.refill();
    return sandbox;
  }

  /** Keeps at least `count` sandboxes ready from now on, and resolves once they are. */
  async prewarm(count: number): Promise<void> {
    this.spareCount = Math.max(this.spareCount, count);
    this.refill();
    await Promise.allSettled(this.spares.map(async (spare) => (await spare).ready));
  }

  /** Ends every spare sandbox; the pool refills on its next use. */
  async drain(): Promise<void> {
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
