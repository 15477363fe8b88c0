/**
 * The agent's Python in a Blaxel sandbox (a microVM), on the shared channel lifecycle: the CPython
 * runtime runs as a process in the sandbox with a stdin pipe, the tools stay on the host and are
 * reached over the bridge, a reset restarts the interpreter (not the sandbox), and `close()`
 * deletes the sandbox. Needs the `@blaxel/core` package and `BL_API_KEY` with `BL_WORKSPACE`.
 */
import { remotePython, RemotePythonExecutor, type RemotePythonOptions } from "../remote/remote-python.js";
import { blaxelLauncher } from "./blaxel-launcher.js";
import type { BlaxelSandboxOptions } from "./blaxel-sandbox.js";

/** Options of {@link BlaxelExecutor}. */
export interface BlaxelExecutorOptions extends RemotePythonOptions, BlaxelSandboxOptions {}

/** Runs Python in a Blaxel sandbox; see the module comment. */
export class BlaxelExecutor extends RemotePythonExecutor {
  constructor(options: BlaxelExecutorOptions = {}) {
    super(options, "Blaxel", blaxelLauncher(options, remotePython(options.python)));
  }
}
