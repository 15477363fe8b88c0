/**
 * `codeagent/local-python`: the machine's own CPython as the agent's interpreter (native packages;
 * not a security boundary — see LocalPythonExecutor).
 */
export { LocalPythonExecutor, CPYTHON_RUNTIME_OVERHEAD_MB } from "./local-python-executor.js";
export type { LocalPythonExecutorOptions } from "./local-python-executor.js";
