/**
 * The sandboxes an agent (or the CLI) can create by name. The built-in ones are registered here;
 * a package or an application adds its own with {@link registerExecutor}, and agents pick it up
 * by name without any code of theirs changing.
 */
import { AgentConfigurationError } from "../errors.js";
import type { Executor, ExecutorLanguage, ExecutorOptions } from "./executor.js";
import { DOCKER_PROMPT_NOTES } from "./docker/prompt-notes.js";
import { LOCAL_PYTHON_PROMPT_NOTES } from "./local-python/prompt-notes.js";
import { MONTY_PROMPT_NOTES } from "./monty/prompt-notes.js";
import { remotePythonPromptNotes } from "./remote/remote-python.js";
import { PyodideExecutor } from "./pyodide/pyodide-executor.js";
import { QuickJsExecutor } from "./quickjs/quickjs-executor.js";

/** How to make one kind of sandbox. */
export interface ExecutorRegistration {
  /** The name agents and the CLI use (`executor: "pyodide"`). */
  readonly name: string;
  /** The language its code is written in. */
  readonly language: ExecutorLanguage;
  /** What the model must know about this sandbox's limits, added to the agent's system prompt. */
  readonly promptNotes?: string;
  /** Makes one, with the agent's `executorOptions` (options it does not know it ignores). */
  create(options: ExecutorOptions & Record<string, unknown>): Executor | Promise<Executor>;
  /**
   * Starts `count` sandboxes ahead of need, for executors with a warm pool, so that the next
   * `count` executors created with these options start warm.
   */
  prewarm?(count: number, options: ExecutorOptions & Record<string, unknown>): Promise<void>;
}

const registry = new Map<string, ExecutorRegistration>();

/**
 * Makes a sandbox available by name to every agent in this process (`new CodeAgent({ executor:
 * name })`). A name already taken is refused unless `replace` is set.
 */
export function registerExecutor(registration: ExecutorRegistration, { replace = false }: { replace?: boolean } = {}): void {
  if (!/^[a-z][a-z0-9-]*$/.test(registration.name)) {
    throw new AgentConfigurationError(`An executor's name must be lower-case letters, digits and dashes, starting with a letter: ${JSON.stringify(registration.name)}.`);
  }
  if (registry.has(registration.name) && !replace) {
    throw new AgentConfigurationError(`An executor named '${registration.name}' is already registered; pass { replace: true } to replace it.`);
  }
  registry.set(registration.name, Object.freeze({ ...registration }));
}

/** The registration of the sandbox called `name`; an unknown name is an error listing the known ones. */
export function findExecutor(name: string): ExecutorRegistration {
  const registration = registry.get(name);
  if (registration === undefined) {
    throw new AgentConfigurationError(`Unknown executor '${name}'. Available: ${executorNames().join(", ")}, or an Executor instance.`);
  }
  return registration;
}

/** The names of every registered sandbox. */
export function executorNames(): string[] {
  return [...registry.keys()];
}

registerExecutor({
  name: "pyodide",
  language: "python",
  create: (options) => new PyodideExecutor(options),
  prewarm: (count, options) => PyodideExecutor.prewarm(count, (options as { isolation?: "process" | "shared" }).isolation ?? "process"),
});
registerExecutor({ name: "quickjs", language: "javascript", create: (options) => new QuickJsExecutor(options), prewarm: (count) => QuickJsExecutor.prewarm(count) });
registerExecutor({
  name: "monty",
  language: "python",
  promptNotes: MONTY_PROMPT_NOTES,
  // Loaded on use: Monty runs in sandbox processes started only when this executor is used.
  create: async (options) => new (await import("./monty/monty-executor.js")).MontyExecutor(options),
});
registerExecutor({
  name: "local-python",
  language: "python",
  promptNotes: LOCAL_PYTHON_PROMPT_NOTES,
  create: async (options) => new (await import("./local-python/local-python-executor.js")).LocalPythonExecutor(options),
  prewarm: async (count, options) => (await import("./local-python/local-python-executor.js")).LocalPythonExecutor.prewarm(count, options),
});
// The container and remote sandboxes load their SDK (an optional peer) only when one is created.
registerExecutor({
  name: "docker",
  language: "python",
  promptNotes: DOCKER_PROMPT_NOTES,
  create: async (options) => new (await import("./docker/docker-executor.js")).DockerExecutor(options),
});
registerExecutor({
  name: "e2b",
  language: "python",
  promptNotes: remotePythonPromptNotes("E2B"),
  create: async (options) => new (await import("./e2b/e2b-executor.js")).E2BExecutor(options),
});
registerExecutor({
  name: "modal",
  language: "python",
  promptNotes: remotePythonPromptNotes("Modal"),
  create: async (options) => new (await import("./modal/modal-executor.js")).ModalExecutor(options),
});
registerExecutor({
  name: "blaxel",
  language: "python",
  promptNotes: remotePythonPromptNotes("Blaxel"),
  create: async (options) => new (await import("./blaxel/blaxel-executor.js")).BlaxelExecutor(options),
});
