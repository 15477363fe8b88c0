/**
 * `codeagent/local-python`: the machine's own CPython as the agent's interpreter (native packages;
 * not a security boundary — see LocalPythonExecutor).
 */
export { LocalPythonExecutor } from "./local-python-executor.js";
export { CPYTHON_RUNTIME_OVERHEAD_MB } from "../cpython/python-command.js";
export type { LocalPythonExecutorOptions } from "./local-python-executor.js";
