/**
 * Interpreters started ahead of need, one spare per kind (interpreter, environment, memory limit)
 * in this host: a new LocalPythonExecutor, or a fresh interpreter after `reset()` or a crash, gets a
 * ready one in milliseconds instead of the ~100 ms a CPython start with the runtime takes. A spare
 * serves one executor and then ends; it is never handed out twice.
 */
import type { SandboxLimits } from "../channel/channel-executor.js";
import type { SandboxSession } from "../channel/bridge-session.js";
import { launchSession } from "../channel/channel-session.js";
import { WarmPool } from "../warm-pool.js";
import { LocalPythonLauncher, type LocalPythonSettings } from "./local-python-launcher.js";

const pools = new Map<string, WarmPool<SandboxSession>>();

/** A ready interpreter for `settings` and `limits`, from the pool of that kind. */
export function acquireLocalPython(settings: LocalPythonSettings, limits: SandboxLimits): Promise<SandboxSession> {
  return poolFor(settings, limits).acquire();
}

/** Keeps `count` interpreters of that kind ready from now on; resolves once they are. */
export function prewarmLocalPython(count: number, settings: LocalPythonSettings, limits: SandboxLimits): Promise<void> {
  return poolFor(settings, limits).prewarm(count);
}

function poolFor(settings: LocalPythonSettings, limits: SandboxLimits): WarmPool<SandboxSession> {
  // The time limit is the executor's, enforced from here; only what the process is started with matters.
  const key = JSON.stringify([settings.python ?? "python3", settings.env ?? {}, limits.memoryLimitMb]);
  let pool = pools.get(key);
  if (pool === undefined) {
    pool = new WarmPool<SandboxSession>({
      spareCount: 1,
      spawnSpare: () => launchSession(new LocalPythonLauncher(settings), limits),
      startNow: async () => {
        const session = await launchSession(new LocalPythonLauncher(settings), limits);
        await session.hold(session.ready);
        return session;
      },
      // A start takes tens of milliseconds of a core: it waits so it does not slow the run just begun.
      refillDelayMs: 20,
    });
    pools.set(key, pool);
  }
  return pool;
}

/** Ends every spare interpreter (tests, and a host that wants its processes gone now). */
export async function drainLocalPythonPools(): Promise<void> {
  await Promise.all([...pools.values()].map((pool) => pool.drain()));
}
