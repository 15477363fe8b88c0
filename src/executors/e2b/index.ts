/** `codeagent/e2b`: the agent's Python in an E2B sandbox (needs the `e2b` package). */
export { E2BExecutor } from "./e2b-executor.js";
export type { E2BExecutorOptions } from "./e2b-executor.js";
export type { E2BSandboxOptions } from "./e2b-sandbox.js";
