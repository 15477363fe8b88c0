import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

import { EXECUTOR_DEFAULTS } from "../executor.js";
import { WarmPool } from "../warm-pool.js";
import { RUN_ID_MASK, type WorkerSettings } from "./protocol.js";
import { SandboxThread, type CompiledWasm } from "./sandbox-thread.js";
import { NO_MODULES_TAIL, USER_MODULES_TAIL } from "./syntax-error.js";
import { CODE_FILE_NAME, MAIN_FUNCTION_NAME, transformCode } from "./transform-code.js";
import { workerHeapMb } from "./worker-limits.js";

/** What every QuickJS worker is started with. */
export const WORKER_SETTINGS: WorkerSettings = Object.freeze({
  codeFile: CODE_FILE_NAME,
  mainFunction: MAIN_FUNCTION_NAME,
  noModulesTail: NO_MODULES_TAIL,
  userModulesTail: USER_MODULES_TAIL,
  // About 2,700 nested calls of a small function; the thread's native stack allows far more.
  stackBytes: 512 * 1024,
  reserveBytes: 4 * 1024 * 1024,
});

let compiled: Promise<CompiledWasm | undefined> | undefined;

/** Node has `WebAssembly.compile`; the project's type library (ES2023, no DOM) does not declare it. */
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<CompiledWasm> } }).WebAssembly;

/**
 * QuickJS's WebAssembly, compiled once per process and shared by every worker (a compiled module
 * can be sent to a worker), so a new worker only instantiates it. Undefined if it cannot be read:
 * each worker then loads it itself.
 */
export function compiledQuickJs(): Promise<CompiledWasm | undefined> {
  compiled ??= (async () => {
    try {
      const path = createRequire(import.meta.url).resolve("@jitl/quickjs-wasmfile-release-sync/wasm");
      return await wasm.compile(await readFile(path));
    } catch {
      return undefined;
    }
  })();
  return compiled;
}

/** The heap of the pool's threads: enough for the default limits. */
export const POOL_HEAP_MB = workerHeapMb(EXECUTOR_DEFAULTS);

/**
 * Starts one worker thread with `heapMb` of heap and waits until QuickJS answers in it. Warming up
 * would delay the thread's first use by more than it saves, so only spares of the pool are warmed.
 */
export async function startThread(heapMb = POOL_HEAP_MB): Promise<SandboxThread> {
  const thread = await spawnThread(false, heapMb);
  await thread.hold(thread.ready);
  return thread;
}

/** Starts a worker thread; its `ready` resolves once it is loaded (and warmed up, if asked). */
async function spawnThread(warm: boolean, heapMb: number): Promise<SandboxThread> {
  const wasmModule = await compiledQuickJs();
  return new SandboxThread({ settings: WORKER_SETTINGS, heapMb, wasmModule, ...(warm ? { prepare: warmUp } : {}) });
}

const WARM_UP_RUNS = 50;
const WARM_UP = transformCode(
  [
    "const warm = [1, 2, 3].map((n) => warm_up(n));",
    "console.log('warm', warm, { n: 1 });",
    "try { null.x } catch (error) { String(error) }",
    "await new Promise((resolve) => setTimeout(resolve, 0));",
    "({ warm, text: `${warm.length}`, big: 2n ** 64n });",
  ].join("\n"),
);

/**
 * The first requests a new thread serves are slow (its JavaScript is not compiled yet): up to a
 * millisecond or two each. Running the usual paths while the thread waits in the pool makes the
 * first real runs several times faster.
 */
async function warmUp(thread: SandboxThread): Promise<void> {
  thread.onToolCall = async (call) => `{"ok":true,"value":${JSON.stringify(call.args[0] ?? null)}}`;
  // The default limit, so that an executor using it finds its memory reserve already in place.
  const memoryLimitBytes = EXECUTOR_DEFAULTS.memoryLimitMb * 1024 * 1024;
  const limits = { memoryLimitBytes, maxOutputChars: 1000, maxValueChars: 1000 };
  try {
    await thread.request({ type: "configure", ...limits, tools: ["warm_up"] });
    for (let run = 1; run <= WARM_UP_RUNS; run++) {
      if (WARM_UP.ok) await thread.request({ type: "run", runId: RUN_ID_MASK - run, script: WARM_UP.script });
    }
    // Tools first, then a fresh context: nothing of the warm-up is left for the executor's code.
    await thread.request({ type: "configure", ...limits, tools: [] });
    await thread.request({ type: "reset" });
  } finally {
    thread.onToolCall = undefined;
  }
}

/**
 * The pool every QuickJsExecutor in this process shares. One warm spare by default, so a new
 * executor gets a ready QuickJS in well under a millisecond instead of waiting for a worker thread.
 */
export const sharedThreadPool = new WarmPool<SandboxThread>({
  spareCount: Number(process.env["CODEAGENT_POOL_SIZE"] ?? 1),
  spawnSpare: () => spawnThread(true, POOL_HEAP_MB),
  startNow: () => startThread(POOL_HEAP_MB),
  refillDelayMs: 50,
});
