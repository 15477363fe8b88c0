/**
 * The interpreter every vendor sandbox runs: the shared CPython runtime, started with the image's
 * own `python3` and handed its driver on the first line (nothing is installed in the sandbox), and
 * what the model is told about it.
 */
import { pythonRuntimeArgv, pythonRuntimeHello } from "../cpython/python-command.js";
import type { RemoteInterpreter } from "./remote-sandbox-launcher.js";

/** The CPython runtime with `python` (default `python3`) inside the sandbox. */
export function remotePython(python = "python3"): RemoteInterpreter {
  return { argv: pythonRuntimeArgv(python), hello: pythonRuntimeHello };
}

/** What the model is told about a vendor's sandbox (shown in the agent's system prompt). */
export function remotePythonPromptNotes(vendor: string): string {
  return `Your code runs in a real CPython process in a ${vendor} sandbox, with the packages installed in its image; only the imports listed are allowed.`;
}
