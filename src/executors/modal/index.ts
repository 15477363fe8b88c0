/** `codeagent/modal`: the agent's Python in a Modal sandbox (needs the `modal` package, 0.11.1). */
export { ModalExecutor } from "./modal-executor.js";
export type { ModalExecutorOptions } from "./modal-executor.js";
export type { ModalSandboxOptions } from "./modal-sandbox.js";
