/**
 * Opening a saved memory in the web UI: the file the page uploads (what "Download memory" saved,
 * `AgentMemory.toJSON()`), checked step by step before it becomes a conversation, and the events
 * that show its runs as they happened.
 */
import { AgentMemory, type SerializedMemory } from "../agents/agent-memory.js";
import type { AgentEvent } from "../agents/events.js";
import type { MemoryStep } from "../agents/memory-steps.js";
import { AgentError } from "../errors.js";
import { replayEvents } from "../render/replay.js";

/** A saved memory read back: the memory to continue from, and its runs as events. */
export interface OpenedMemory {
  memory: AgentMemory;
  events: AgentEvent[];
}

/** Why a file is not a memory the UI can open. */
export interface MemoryRefusal {
  error: string;
}

const HOW_TO = 'choose a file saved with "Download memory"';

/**
 * Reads a saved memory from `text`: JSON of the `AgentMemory.toJSON()` shape whose steps have the
 * fields the loop and the page read. Returns the memory and its events, or why it is refused.
 */
export function openSavedMemory(text: string): OpenedMemory | MemoryRefusal {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { error: `The file is not JSON (${(error as Error).message}): ${HOW_TO}.` };
  }
  if (!isRecord(data)) return { error: `The file holds JSON but not a saved agent memory (expected { version: 1, systemPrompt, steps }): ${HOW_TO}.` };
  let memory: AgentMemory;
  try {
    memory = AgentMemory.fromJSON(data as unknown as SerializedMemory);
  } catch (error) {
    if (error instanceof AgentError) return { error: `${error.message} ${capitalized(HOW_TO)}.` };
    throw error;
  }
  for (const [index, step] of memory.steps.entries()) {
    const problem = problemWithStep(step);
    if (problem !== undefined) return { error: `Step ${index + 1} of the saved memory (${step.type}) ${problem}: ${HOW_TO}.` };
  }
  return { memory, events: replayEvents(memory.steps) };
}

/** What a step lacks that the loop (memory to messages) or its events need, if anything. */
function problemWithStep(step: MemoryStep): string | undefined {
  switch (step.type) {
    case "task":
      return typeof step.task === "string" ? undefined : "has no task text";
    case "planning":
      return typeof step.plan !== "string" ? "has no plan text" : problemWithFigures(step);
    case "action": {
      if (!Number.isSafeInteger(step.stepNumber) || step.stepNumber < 1) return "has no step number";
      if (typeof step.modelOutput !== "string") return "has no model output";
      if (!optional(step.codeAction, "string") || !optional(step.observations, "string")) return "has code or observations that are not text";
      if (step.error !== undefined && !(isRecord(step.error) && typeof step.error.type === "string" && typeof step.error.message === "string")) return "has an error without type and message";
      if (!Array.isArray(step.toolCalls) || !step.toolCalls.every(isToolCall)) return "has tool calls without name and arguments";
      return problemWithFigures(step);
    }
    case "final-answer":
      return problemWithFigures(step);
  }
}

function problemWithFigures(step: { timing?: unknown; tokenUsage?: unknown; type: string }): string | undefined {
  if (step.type !== "final-answer") {
    const timing = step.timing as Record<string, unknown> | undefined;
    if (!isRecord(timing) || !Number.isFinite(timing["startedAt"]) || !Number.isFinite(timing["durationMs"])) return "has no timing";
  }
  const usage = step.tokenUsage;
  if (usage !== undefined && !(isRecord(usage) && Number.isFinite(usage["inputTokens"]) && Number.isFinite(usage["outputTokens"]))) return "has token counts that are not numbers";
  return undefined;
}

function isToolCall(call: unknown): boolean {
  if (!isRecord(call) || typeof call["name"] !== "string" || !isRecord(call["arguments"])) return false;
  return Array.isArray(call["arguments"]["args"]) && isRecord(call["arguments"]["kwargs"]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optional(value: unknown, type: "string"): boolean {
  return value === undefined || typeof value === type;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
