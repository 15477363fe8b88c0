/**
 * codeagent: code agents for TypeScript. The model writes code, a sandbox runs it, and your
 * zod-typed tools are plain functions inside the sandbox.
 */
export { AgentError, SandboxClosedError, SandboxError, ToolArgumentError, ToolDefinitionError, ToolExecutionError } from "./errors.js";
export * from "./tools/index.js";
export type { CodeError, CodeOutput, Executor, ExecutorLanguage, ExecutorOptions, RunOptions } from "./executors/executor.js";
export { DEFAULT_AUTHORIZED_IMPORTS, EXECUTOR_DEFAULTS } from "./executors/executor.js";
export { PyodideExecutor } from "./executors/pyodide/pyodide-executor.js";
export type { PyodideExecutorOptions } from "./executors/pyodide/pyodide-executor.js";
