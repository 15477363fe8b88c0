/**
 * The options each named sandbox takes, so `new CodeAgent({ executor: "docker", executorOptions:
 * { image } })` is type-checked against that sandbox's own options. A sandbox at its own entry
 * point (`codeagent/docker`, ...) adds its entry by augmenting {@link ExecutorOptionsMap}; a name
 * registered at run time with no entry takes the common {@link ExecutorOptions} and anything else.
 */
import type { BlaxelExecutorOptions } from "./blaxel/blaxel-executor.js";
import type { DockerExecutorOptions } from "./docker/docker-executor.js";
import type { E2BExecutorOptions } from "./e2b/e2b-executor.js";
import type { ExecutorOptions } from "./executor.js";
import type { LocalPythonExecutorOptions } from "./local-python/local-python-executor.js";
import type { ModalExecutorOptions } from "./modal/modal-executor.js";
import type { MontyExecutorOptions } from "./monty/monty-executor.js";
import type { PyodideExecutorOptions } from "./pyodide/pyodide-executor.js";
import type { QuickJsExecutorOptions } from "./quickjs/quickjs-executor.js";

/** Sandbox name → its options. Augment it (`declare module`) to type a sandbox of your own. */
export interface ExecutorOptionsMap {
  pyodide: PyodideExecutorOptions;
  quickjs: QuickJsExecutorOptions;
  monty: MontyExecutorOptions;
  "local-python": LocalPythonExecutorOptions;
  docker: DockerExecutorOptions;
  e2b: E2BExecutorOptions;
  modal: ModalExecutorOptions;
  blaxel: BlaxelExecutorOptions;
}

/** The sandboxes an agent can create by name: the built-in ones, or any name given to `registerExecutor`. */
export type ExecutorKind = keyof ExecutorOptionsMap | (string & {});

/** The options of the sandbox called `Kind`. */
export type ExecutorOptionsFor<Kind extends ExecutorKind> = Kind extends keyof ExecutorOptionsMap
  ? ExecutorOptionsMap[Kind]
  : ExecutorOptions & Record<string, unknown>;
