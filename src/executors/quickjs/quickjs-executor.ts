import type { SandboxConnection } from "../channel/sandbox-connection.js";
import { ChannelExecutor } from "../channel/channel-executor.js";
import type { ExecutorOptions } from "../executor.js";
import { transformModules } from "./module-transform.js";
import { QuickJsConnection } from "./quickjs-connection.js";
import { POOL_HEAP_MB, sharedThreadPool, startThread } from "./thread-pool.js";
import { workerHeapMb } from "./worker-limits.js";

/**
 * Options of {@link QuickJsExecutor}. `authorizedImports` does not apply: the only modules are the
 * user's own (`modules: { utils: "./utils.js" }`, ES modules, imported as `import { a } from "utils"`).
 */
export interface QuickJsExecutorOptions extends ExecutorOptions {
  /** Take a warm thread from the process-wide pool (default), or start a private one. */
  usePool?: boolean;
}

/**
 * Runs JavaScript in QuickJS (compiled to WebAssembly) on a worker thread of its own. The code
 * sees only the ECMAScript built-ins, `console`, timers, `final_answer`, the tools and the user's
 * own `modules`: no Node.js, no npm modules, no network or files. Tools stay on the host and are plain synchronous functions in
 * the sandbox (`get_weather({ city: "Paris" })` or `get_weather("Paris")`; `await` works too);
 * only JSON crosses the boundary, at most `maxValueChars` of it per value. Variables, functions and
 * classes persist between runs; `reset()` moves to a fresh thread, so nothing of before remains.
 * The run lifecycle is the shared one (ChannelExecutor); what is QuickJS's own is the thread and
 * how it is spoken to (QuickJsConnection).
 */
export class QuickJsExecutor extends ChannelExecutor {
  private readonly heapMb: number;
  private readonly usePool: boolean;

  constructor(options: QuickJsExecutorOptions = {}) {
    super({ ...options, authorizedImports: undefined, language: "javascript" });
    // A module that does not parse, or imports what is not there, is an error now, not at the first run.
    transformModules(this.modules);
    this.heapMb = workerHeapMb({ maxValueChars: this.maxValueChars, maxOutputChars: this.maxOutputChars });
    // The pool's threads have the heap the default limits need; larger limits need a thread of their own.
    this.usePool = (options.usePool ?? true) && this.heapMb <= POOL_HEAP_MB;
  }

  /** Starts `count` threads in the background of this process, so later executors start warm. */
  static prewarm(count = 1): Promise<void> {
    return sharedThreadPool.prewarm(count);
  }

  /** Ends the warm spare threads of the shared pool. */
  static drainPool(): Promise<void> {
    return sharedThreadPool.drain();
  }

  /** A warm thread from the pool, or one of this executor's own. */
  protected override async startSession(): Promise<SandboxConnection> {
    return new QuickJsConnection(await (this.usePool ? sharedThreadPool.acquire() : startThread(this.heapMb)));
  }
}
