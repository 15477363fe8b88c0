import type { Executor, ExecutorLanguage, ExecutorOptions } from "../executors/executor.js";
import type { Tool } from "../tools/tool.js";
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

/** How an agent is told which sandbox to use. */
export interface AgentSandboxChoice {
  /** A sandbox name, or an executor the caller owns. */
  executor?: ExecutorKind | Executor | undefined;
  /** The language, when no executor is named. */
  language: ExecutorLanguage;
  executorOptions?: ExecutorOptions | undefined;
  authorizedImports?: string[] | undefined;
}

/**
 * Starts `count` sandboxes of the kind an agent would create, ahead of need, where that sandbox
 * keeps a warm pool (Pyodide, QuickJS, LocalPython); nothing for an executor handed in or one
 * without a pool.
 */
export async function prewarmAgentExecutor(choice: AgentSandboxChoice, count: number): Promise<void> {
  if (typeof choice.executor === "object") return;
  const registration = findExecutor(defaultKind(choice));
  await registration.prewarm?.(count, { ...choice.executorOptions });
}

function defaultKind(choice: AgentSandboxChoice): ExecutorKind {
  return (choice.executor as ExecutorKind | undefined) ?? (choice.language === "javascript" ? "quickjs" : "pyodide");
}

/**
 * The executor an agent runs code in: the one handed in, or a new one of the named kind (the
 * language's default when none is named), with `tools` installed.
 */
export async function openAgentExecutor(choice: AgentSandboxChoice, tools: readonly Tool[]): Promise<Executor> {
  const chosen = choice.executor;
  const executor =
    typeof chosen === "object"
      ? chosen
      : await createExecutor(defaultKind(choice), {
          ...choice.executorOptions,
          ...(choice.authorizedImports ? { authorizedImports: choice.authorizedImports } : {}),
        });
  await executor.sendTools([...tools]);
  return executor;
}
