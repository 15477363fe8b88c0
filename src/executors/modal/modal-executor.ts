/**
 * The agent's Python in a Modal sandbox (a gVisor container), on the shared channel lifecycle: the
 * CPython runtime runs as a process exec'd in the sandbox, the tools stay on the host and are
 * reached over the bridge, a reset restarts the interpreter (not the sandbox), and `close()`
 * terminates the sandbox. `memoryLimitMb` is the process's data limit, as in every vendor sandbox,
 * and (plus what Python itself holds) the container's. Needs the `modal` package (0.11.1) and a
 * Modal token.
 */
import { remotePython, RemotePythonExecutor, type RemotePythonOptions } from "../remote/remote-python.js";
import { modalLauncher } from "./modal-launcher.js";
import type { ModalSandboxOptions } from "./modal-sandbox.js";

/** Options of {@link ModalExecutor}. */
export interface ModalExecutorOptions extends RemotePythonOptions, ModalSandboxOptions {}

/** Runs Python in a Modal sandbox; see the module comment. */
export class ModalExecutor extends RemotePythonExecutor {
  constructor(options: ModalExecutorOptions = {}) {
    super(options, "Modal", modalLauncher(options, remotePython(options.python)));
  }
}
