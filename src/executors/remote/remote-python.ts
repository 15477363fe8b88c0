/**
 * What every vendor sandbox runs and how its executor is made: the shared CPython runtime, started
 * with the image's own `python3` and handed its driver on the first line (nothing is installed in
 * the sandbox), on the shared channel lifecycle, with what the model is told about it.
 */
import { ChannelExecutor } from "../channel/channel-executor.js";
import { pythonRuntimeArgv, pythonRuntimeHello } from "../cpython/python-command.js";
import type { ExecutorOptions } from "../executor.js";
import type { RemoteInterpreter, RemoteSandboxLauncher } from "./remote-sandbox-launcher.js";

/** The CPython runtime with `python` (default `python3`) inside the sandbox. */
export function remotePython(python = "python3"): RemoteInterpreter {
  return { argv: pythonRuntimeArgv(python), hello: pythonRuntimeHello };
}

/** What the model is told about a vendor's sandbox (shown in the agent's system prompt). */
export function remotePythonPromptNotes(vendor: string): string {
  return `Your code runs in a real CPython process in a ${vendor} sandbox, with the packages installed in its image; only the imports listed are allowed.`;
}

/** Options every vendor's executor takes. */
export interface RemotePythonOptions extends ExecutorOptions {
  /** The interpreter inside the sandbox. Default `python3`. */
  python?: string;
}

/** An executor whose Python runs in a vendor's sandbox, launched by `launcher`. */
export class RemotePythonExecutor extends ChannelExecutor {
  constructor(options: RemotePythonOptions, vendor: string, launcher: RemoteSandboxLauncher) {
    super({ ...options, language: "python", promptNotes: remotePythonPromptNotes(vendor), launcher });
  }
}
