/**
 * The agent's Python in an E2B sandbox (a Firecracker microVM), on the shared channel lifecycle:
 * the CPython runtime runs as a process in the sandbox, the tools stay on the host and are reached
 * over the bridge, a reset restarts the interpreter (not the VM), and `close()` kills the sandbox.
 * Needs the `e2b` package and `E2B_API_KEY`.
 */
import { ChannelExecutor } from "../channel/channel-executor.js";
import type { ExecutorOptions } from "../executor.js";
import { e2bLauncher } from "./e2b-launcher.js";
import type { E2BSandboxOptions } from "./e2b-sandbox.js";
import { remotePython, remotePythonPromptNotes } from "./remote-python.js";

/** Options of {@link E2BExecutor}. */
export interface E2BExecutorOptions extends ExecutorOptions, E2BSandboxOptions {
  /** The interpreter inside the sandbox. Default `python3`. */
  python?: string;
}

/** Runs Python in an E2B sandbox; see the module comment. */
export class E2BExecutor extends ChannelExecutor {
  constructor(options: E2BExecutorOptions = {}) {
    const launcher = e2bLauncher(options, remotePython(options.python));
    super({ ...options, language: "python", promptNotes: remotePythonPromptNotes("E2B"), launcher });
  }
}
