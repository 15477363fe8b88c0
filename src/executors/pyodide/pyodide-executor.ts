import { AgentConfigurationError, SandboxPackageError } from "../../errors.js";
import { DEFAULT_AUTHORIZED_IMPORTS, type ExecutorOptions } from "../executor.js";
import { ChannelExecutor, type ChannelExecutorOptions, type SandboxLimits } from "../channel/channel-executor.js";
import { SandboxExitedError, type SandboxSession } from "../channel/bridge-session.js";
import type { SandboxConnection } from "../channel/sandbox-connection.js";
import { PyodidePackages, type PyodidePackageOptions } from "./pyodide-packages.js";
import { sharedIsolationPool, sharedSandboxPool, startSandbox, startSharedSandbox } from "./sandbox-pool.js";

/**
 * Where a Pyodide sandbox lives. `"process"` (the default): a Deno process of its own, with its own
 * memory wall, ended as a whole. `"shared"`: a worker thread of a Deno process that hosts up to
 * eight sandboxes and shares Pyodide's compiled code and memory snapshot between them, for about
 * half the memory per sandbox. The price: the sandboxes of one process share its memory wall (one
 * that allocates outside Python's heap can bring the process down with its neighbours), a V8-level
 * escape would reach them, and a sandbox stuck in native code that ignores interrupts cannot be
 * ended alone (its process takes no new sandboxes and ends when the others are done).
 */
export type PyodideIsolation = "process" | "shared";

/** Where sandboxes of one isolation come from: the warm pool, or a start of one's own. */
interface SandboxSource {
  readonly pool: { acquire(): Promise<SandboxSession>; prewarm(count: number): Promise<void>; drain(): Promise<void> };
  start(): Promise<SandboxSession>;
}

const SANDBOX_SOURCES: Record<PyodideIsolation, SandboxSource> = {
  process: { pool: sharedSandboxPool, start: startSandbox },
  shared: { pool: sharedIsolationPool, start: startSharedSandbox },
};

/** Options of {@link PyodideExecutor}. */
export interface PyodideExecutorOptions extends ExecutorOptions, PyodidePackageOptions, Pick<ChannelExecutorOptions, "interruptGraceMs"> {
  /** Take a warm sandbox from the process-wide pool (default), or start a private one (always, with `packages`). */
  usePool?: boolean;
  /** A Deno process per sandbox (`"process"`, the default) or several per process (`"shared"`); see {@link PyodideIsolation}. */
  isolation?: PyodideIsolation;
}


/**
 * Runs Python (real CPython, compiled to WebAssembly by Pyodide) in a separate Deno process that
 * may read Pyodide's own files and nothing else: no host files, environment, network or
 * subprocesses. Tools stay on the host; Python calls them as plain synchronous functions and
 * only JSON crosses the boundary. The run lifecycle is the shared one (ChannelExecutor); what is
 * Pyodide's own is where sandboxes come from: warm pools of Deno processes or threads, which speak
 * the bridge protocol themselves.
 */
export class PyodideExecutor extends ChannelExecutor {
  private readonly usePool: boolean;
  private readonly isolation: PyodideIsolation;
  private readonly packages: PyodidePackages | undefined;

  constructor(options: PyodideExecutorOptions = {}) {
    const packages = PyodidePackages.fromOptions(options);
    const imports = options.authorizedImports ?? DEFAULT_AUTHORIZED_IMPORTS;
    // What was loaded for the code to use, it may import.
    const authorizedImports = packages ? [...new Set([...imports, ...packages.imports])] : imports;
    super({ ...options, authorizedImports, language: "python" });
    this.packages = packages;
    this.usePool = options.usePool ?? true;
    if (options.isolation !== undefined && options.isolation !== "process" && options.isolation !== "shared") {
      throw new AgentConfigurationError(`PyodideExecutor's isolation must be "process" or "shared", not ${JSON.stringify(options.isolation)}.`);
    }
    this.isolation = options.isolation ?? "process";
    if (this.packages && this.isolation === "shared") {
      throw new AgentConfigurationError(
        'PyodideExecutor cannot load packages with isolation "shared" (its sandboxes share one process, started without read access to the wheels): use isolation "process".',
      );
    }
  }

  /**
   * Starts `count` sandboxes in the background of this process, so later executors start warm
   * (sandboxes for `isolation`, "process" by default).
   */
  static prewarm(count = 1, isolation: PyodideIsolation = "process"): Promise<void> {
    return SANDBOX_SOURCES[isolation].pool.prewarm(count);
  }

  /** Ends the warm spare sandboxes of both pools. */
  static async drainPool(): Promise<void> {
    await Promise.all(Object.values(SANDBOX_SOURCES).map(({ pool }) => pool.drain()));
  }

  /**
   * A sandbox for this executor: from the warm pool, or one of its own; with packages always one of
   * its own, which loads them before it answers (a pool's spare was started without them).
   */
  protected override async startSession(_limits: SandboxLimits): Promise<SandboxConnection> {
    if (this.packages) {
      const packages = await this.packages.provide();
      try {
        return await startSandbox(packages);
      } catch (error) {
        // Ended while loading: sandbox-packages.mjs said why on its last line.
        if (!(error instanceof SandboxExitedError)) throw error;
        throw new SandboxPackageError(
          "load-failed",
          undefined,
          `Loading packages into the sandbox failed: ${error.message}. ` +
            "Check that the lock file and the wheels are those of the installed Pyodide's version.",
          { cause: error },
        );
      }
    }
    const source: SandboxSource = SANDBOX_SOURCES[this.isolation];
    return this.usePool ? source.pool.acquire() : source.start();
  }
}
