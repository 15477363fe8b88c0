import type { Executor, ExecutorLanguage, ExecutorOptions } from "../executors/executor.js";
import type { ExecutorKind } from "../executors/executor-options-map.js";
import { findExecutor } from "../executors/registry.js";

export type { ExecutorKind } from "../executors/executor-options-map.js";

/** The language a named sandbox runs (python when none is named). */
export function executorLanguage(kind: ExecutorKind | undefined): ExecutorLanguage {
  return kind === undefined ? "python" : findExecutor(kind).language;
}

/** What the prompt must tell the model about a named sandbox. */
export function sandboxPromptNotes(kind: ExecutorKind | undefined): string | undefined {
  return kind === undefined ? undefined : findExecutor(kind).promptNotes;
}

/** Creates the named sandbox. */
export async function createExecutor(kind: ExecutorKind, options: ExecutorOptions & Record<string, unknown>): Promise<Executor> {
  return findExecutor(kind).create({ ...options });
}
