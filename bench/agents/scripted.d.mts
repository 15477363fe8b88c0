// Types of scripted.mjs, for TypeScript callers (the test).
import type { ScriptedModel } from "../../src/index.js";
import type { AgentKind } from "./harness.mjs";

/** One model turn: a reply with code, native tool calls, or a model call that fails. */
export type ScriptedTurn =
  | { text: string }
  | { toolCalls: { name: string; arguments: Record<string, unknown> }[] }
  | { error: string };

export declare const SCRIPTED_TASK_IDS: readonly string[];
export declare const SCRIPTED_TURNS: Readonly<Record<AgentKind, Readonly<Record<string, readonly ScriptedTurn[]>>>>;

/** A ScriptedModel replaying the turns of `kind` on `taskId`; an `{ error }` turn ends the script there. */
export declare function scriptedModel(kind: AgentKind, taskId: string): ScriptedModel;
