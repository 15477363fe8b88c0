/**
 * The agent's Python in an E2B sandbox (a Firecracker microVM), on the shared channel lifecycle:
 * the CPython runtime runs as a process in the sandbox, the tools stay on the host and are reached
 * over the bridge, a reset restarts the interpreter (not the VM), and `close()` kills the sandbox.
 * Needs the `e2b` package and `E2B_API_KEY`.
 */
import { e2bLauncher } from "./e2b-launcher.js";
import type { E2BSandboxOptions } from "./e2b-sandbox.js";
import { remotePython, RemotePythonExecutor, type RemotePythonOptions } from "../remote/remote-python.js";

/** Options of {@link E2BExecutor}. */
export interface E2BExecutorOptions extends RemotePythonOptions, E2BSandboxOptions {}

/** Runs Python in an E2B sandbox; see the module comment. */
export class E2BExecutor extends RemotePythonExecutor {
  constructor(options: E2BExecutorOptions = {}) {
    super(options, "E2B", e2bLauncher(options, remotePython(options.python)));
  }
}
