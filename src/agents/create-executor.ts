import { AgentConfigurationError } from "../errors.js";
import type { Executor, ExecutorLanguage } from "../executors/executor.js";
import { MONTY_PROMPT_NOTES } from "../executors/monty/prompt-notes.js";
import { PyodideExecutor, type PyodideExecutorOptions } from "../executors/pyodide/pyodide-executor.js";
import { QuickJsExecutor } from "../executors/quickjs/quickjs-executor.js";

/** The sandboxes an agent can create by name. */
export type ExecutorKind = "pyodide" | "quickjs" | "monty";

const LANGUAGES: Record<ExecutorKind, ExecutorLanguage> = { pyodide: "python", quickjs: "javascript", monty: "python" };

/** The language a named sandbox runs (python when none is named). */
export function executorLanguage(kind: ExecutorKind | undefined): ExecutorLanguage {
  if (kind === undefined) return "python";
  const language = LANGUAGES[kind];
  if (language === undefined) throw new AgentConfigurationError(`Unknown executor '${String(kind)}'. Available: ${Object.keys(LANGUAGES).join(", ")}, or an Executor instance.`);
  return language;
}

/** What the prompt must tell the model about a restricted sandbox. */
export function sandboxPromptNotes(kind: ExecutorKind | undefined): string | undefined {
  return kind === "monty" ? MONTY_PROMPT_NOTES : undefined;
}

/** Creates the named sandbox. Executors other than Pyodide are loaded on first use. */
export async function createExecutor(kind: ExecutorKind, options: PyodideExecutorOptions): Promise<Executor> {
  executorLanguage(kind);
  switch (kind) {
    case "pyodide":
      return new PyodideExecutor(options);
    case "quickjs":
      return new QuickJsExecutor(options);
    case "monty": {
      // Loaded on use: Monty runs in sandbox processes started only when this executor is used.
      const { MontyExecutor } = await import("../executors/monty/monty-executor.js");
      return new MontyExecutor(options);
    }
    default:
      throw new AgentConfigurationError(`The ${kind} executor is not available yet.`);
  }
}
