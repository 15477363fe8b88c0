import type { Executor, ExecutorLanguage } from "../executors/executor.js";
import type { PyodideExecutorOptions } from "../executors/pyodide/pyodide-executor.js";
import { findExecutor } from "../executors/registry.js";

/** The sandboxes an agent can create by name: the built-in ones, or any name given to `registerExecutor`. */
export type ExecutorKind = "pyodide" | "quickjs" | "monty" | (string & {});

/** The language a named sandbox runs (python when none is named). */
export function executorLanguage(kind: ExecutorKind | undefined): ExecutorLanguage {
  return kind === undefined ? "python" : findExecutor(kind).language;
}

/** What the prompt must tell the model about a named sandbox. */
export function sandboxPromptNotes(kind: ExecutorKind | undefined): string | undefined {
  return kind === undefined ? undefined : findExecutor(kind).promptNotes;
}

/** Creates the named sandbox. */
export async function createExecutor(kind: ExecutorKind, options: PyodideExecutorOptions): Promise<Executor> {
  return findExecutor(kind).create({ ...options });
}
