/** `codeagent/blaxel`: the agent's Python in a Blaxel sandbox (needs the `@blaxel/core` package). */
export { BlaxelExecutor } from "./blaxel-executor.js";
export type { BlaxelExecutorOptions } from "./blaxel-executor.js";
export type { BlaxelSandboxOptions } from "./blaxel-sandbox.js";
