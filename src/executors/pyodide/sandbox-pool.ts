import { availableParallelism } from "node:os";

import { Semaphore } from "../../semaphore.js";
import { WarmPool } from "../warm-pool.js";
import { denoArguments, pyodideDirectory, sandboxCommand, sandboxReadable } from "./deno-command.js";
import type { SandboxPackages } from "./pyodide-packages.js";
import { SandboxProcess } from "./sandbox-process.js";
import { SharedSandboxProcess, type SharedSandbox } from "./shared-sandbox-process.js";
import { pyodideSnapshot, snapshotFailed } from "./snapshot.js";

/**
 * Loading Pyodide keeps a core busy for a while. Started all at once, twenty sandboxes would share
 * the cores and all be ready late; started a few at a time, the first ones are ready early.
 */
const loadSlots = new Semaphore(Math.max(1, availableParallelism()));

/**
 * The command that starts a Deno sandbox process (one sandbox, or a `shared` one that hosts
 * several) from the memory snapshot when there is one, with read access to it, and to the wheels
 * folder and lock file of the `packages` it is to load.
 */
async function sandboxLaunch(
  shared: boolean,
  extraArgs: string[],
  packages?: SandboxPackages,
): Promise<{ command: string; args: string[]; snapshot: string | undefined }> {
  const snapshot = await pyodideSnapshot();
  const readable = sandboxReadable();
  if (snapshot) readable.push(snapshot);
  if (packages) {
    readable.push(packages.wheelsDir, packages.lockFile);
    extraArgs = [...extraArgs, JSON.stringify(packages)];
  }
  const launch = denoArguments({ shared, readable, args: [pyodideDirectory(), snapshot ?? "", ...extraArgs] });
  return { ...sandboxCommand(launch, !shared), snapshot };
}

/**
 * Runs `start`; a start that failed because the snapshot had gone bad (removed or damaged since it
 * was checked) is tried once more, with a new snapshot.
 */
async function retriedOnBadSnapshot<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const snapshot = await pyodideSnapshot();
    try {
      return await start();
    } catch (error) {
      if (attempt > 1 || snapshot === undefined || !snapshotFailed(snapshot)) throw error;
    }
  }
}

/**
 * Starts one sandbox process; it loads in the background. A pool spare also warms the interpreter
 * up before it reports ready (sandbox-serve.mjs), so it computes at full speed from its first run;
 * one wanted now skips that. With `packages`, the process loads them before it reports ready.
 */
async function spawnSandbox(role: "spare" | "run", packages?: SandboxPackages): Promise<SandboxProcess> {
  const { command, args, snapshot } = await sandboxLaunch(false, [role], packages);
  const release = await loadSlots.acquire();
  const sandbox = new SandboxProcess(command, args);
  void sandbox.ready.finally(release).catch(() => undefined);
  // A snapshot removed or damaged since it was checked makes the start fail: the next start makes a new one.
  if (snapshot) sandbox.ready.catch(() => snapshotFailed(snapshot));
  return sandbox;
}

/**
 * Starts one sandbox process and waits until it answers (with `packages` loaded: such a sandbox is
 * never a pool's, since a spare was started without them and cannot be given read access later).
 */
export function startSandbox(packages?: SandboxPackages): Promise<SandboxProcess> {
  return retriedOnBadSnapshot(async () => {
    const sandbox = await spawnSandbox("run", packages);
    await sandbox.hold(sandbox.ready);
    return sandbox;
  });
}

/**
 * The pool every PyodideExecutor in this process shares. One warm spare by default. The refill
 * waits 200 ms: loading a spare takes both cores of a small machine for a moment.
 */
export const sharedSandboxPool = new WarmPool<SandboxProcess>({
  spareCount: Number(process.env["CODEAGENT_POOL_SIZE"] ?? 1),
  spawnSpare: () => spawnSandbox("spare"),
  startNow: () => startSandbox(),
  refillDelayMs: 200,
});

// ------------------------------------------------------------------ shared isolation

/** Sandboxes one shared process hosts at most (`isolation: "shared"`). */
export const SANDBOXES_PER_SHARED_PROCESS = Math.max(1, Number(process.env["CODEAGENT_SHARED_SANDBOXES"] ?? 8));

const sharedProcesses = new Set<SharedSandboxProcess>();
/** The shared process being started, if one is: concurrent requests wait for it rather than start more. */
let startingProcess: Promise<SharedSandboxProcess> | undefined;

/** A shared process with room for one more sandbox, started when none has. */
async function sharedProcessWithRoom(): Promise<SharedSandboxProcess> {
  for (;;) {
    for (const host of sharedProcesses) if (host.hasRoom) return host;
    if (startingProcess === undefined) {
      startingProcess = startSharedProcess().finally(() => (startingProcess = undefined));
      return startingProcess;
    }
    await startingProcess.catch(() => undefined);
  }
}

function startSharedProcess(): Promise<SharedSandboxProcess> {
  return retriedOnBadSnapshot(async () => {
    const { command, args } = await sandboxLaunch(true, []);
    const host = new SharedSandboxProcess(command, args, SANDBOXES_PER_SHARED_PROCESS);
    sharedProcesses.add(host);
    void host.exited.then(() => sharedProcesses.delete(host));
    try {
      await host.hold(host.ready);
      return host;
    } catch (error) {
      host.kill("did not start");
      throw error;
    }
  });
}

/**
 * Starts one sandbox thread in a shared process; it loads in the background (see spawnSandbox).
 * The process is chosen and given the sandbox with no wait in between, so concurrent starts never
 * put more sandboxes in a process than it takes, or one in a process that has begun to retire.
 */
async function spawnSharedSandbox(role: "spare" | "run"): Promise<SharedSandbox> {
  const release = await loadSlots.acquire();
  try {
    for (;;) {
      const host = await sharedProcessWithRoom();
      if (!host.hasRoom) continue;
      const sandbox = host.startSandbox(role);
      void sandbox.ready.finally(release).catch(() => undefined);
      return sandbox;
    }
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * Starts one sandbox thread in a shared process and waits until it answers. A process may end
 * between being chosen and taking the sandbox (its last sandbox just left): then another is tried.
 */
export async function startSharedSandbox(): Promise<SharedSandbox> {
  for (let attempt = 1; ; attempt++) {
    const sandbox = await spawnSharedSandbox("run");
    sandbox.claim();
    try {
      await sandbox.hold(sandbox.ready);
      return sandbox;
    } catch (error) {
      if (attempt >= 3 || sandbox.processAlive) throw error;
    }
  }
}

/** The pool of sandbox threads every PyodideExecutor with `isolation: "shared"` in this process takes from. */
export const sharedIsolationPool = new WarmPool<SharedSandbox>({
  spareCount: Number(process.env["CODEAGENT_POOL_SIZE"] ?? 1),
  spawnSpare: () => spawnSharedSandbox("spare"),
  startNow: startSharedSandbox,
  refillDelayMs: 200,
});
