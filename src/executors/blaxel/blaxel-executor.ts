/**
 * The agent's Python in a Blaxel sandbox (a microVM), on the shared channel lifecycle: the CPython
 * runtime runs as a process in the sandbox with a stdin pipe, the tools stay on the host and are
 * reached over the bridge, a reset restarts the interpreter (not the sandbox), and `close()`
 * deletes the sandbox. Needs the `@blaxel/core` package and `BL_API_KEY` with `BL_WORKSPACE`.
 */
import { ChannelExecutor } from "../channel/channel-executor.js";
import { remotePython, remotePythonPromptNotes } from "../e2b/remote-python.js";
import type { ExecutorOptions } from "../executor.js";
import { blaxelLauncher } from "./blaxel-launcher.js";
import type { BlaxelSandboxOptions } from "./blaxel-sandbox.js";

/** Options of {@link BlaxelExecutor}. */
export interface BlaxelExecutorOptions extends ExecutorOptions, BlaxelSandboxOptions {
  /** The interpreter inside the sandbox. Default `python3`. */
  python?: string;
}

/** Runs Python in a Blaxel sandbox; see the module comment. */
export class BlaxelExecutor extends ChannelExecutor {
  constructor(options: BlaxelExecutorOptions = {}) {
    const launcher = blaxelLauncher(options, remotePython(options.python));
    super({ ...options, language: "python", promptNotes: remotePythonPromptNotes("Blaxel"), launcher });
  }
}
