/**
 * Turns memory into the messages sent to the model, within a token budget. Past the budget, older
 * steps are condensed (code and observation shortened, an error kept in one line), while the
 * task, the latest plan and the last few steps stay whole, so tokens stop growing with the
 * square of the steps.
 */
import { estimateTokens } from "../models/scripted-model.js";
import { messageText, type ChatMessage, type ContentPart } from "../models/model.js";
import type { ActionStep, MemoryStep, PlanningStep, TaskStep } from "./memory-steps.js";
import { formatErrorObservation, formatValue } from "./observation.js";
import { truncateMiddle } from "./truncate.js";

/** How memory becomes messages. */
export interface MemoryMessageOptions {
  /** Estimated tokens the messages may take; unlimited when absent. */
  contextBudget?: number;
  /** Action steps at the end that are never condensed. Default 3. */
  keepRecentSteps?: number;
}

type Detail = "whole" | "condensed" | "one-line";

/** The messages for `steps`, after `systemPrompt`, condensed as far as the budget needs. */
export function memoryToMessages(systemPrompt: string, steps: readonly MemoryStep[], options: MemoryMessageOptions = {}): ChatMessage[] {
  const keepRecent = options.keepRecentSteps ?? 3;
  const actionIndexes = steps.flatMap((step, index) => (step.type === "action" ? [index] : []));
  const condensable = actionIndexes.slice(0, Math.max(actionIndexes.length - keepRecent, 0));
  const latestPlan = steps.findLastIndex((step) => step.type === "planning");
  const detail = new Map<number, Detail>();

  const build = () => [{ role: "system", content: systemPrompt } as ChatMessage, ...stepsToMessages(steps, detail, latestPlan)];
  let messages = build();
  if (options.contextBudget === undefined) return messages;
  // Condense oldest first, one step at a time, until the request fits; then go further.
  for (const level of ["condensed", "one-line"] as const) {
    for (const index of condensable) {
      if (estimateMessagesTokens(messages) <= options.contextBudget) return messages;
      detail.set(index, level);
      messages = build();
    }
  }
  return messages;
}

/** Estimated tokens of a list of messages (about 4 characters a token, plus a little per message). */
export function estimateMessagesTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((total, message) => total + 4 + estimateTokens(messageText(message.content)), 0);
}

function stepsToMessages(steps: readonly MemoryStep[], detail: Map<number, Detail>, latestPlan: number): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const oneLiners: string[] = [];
  const flushOneLiners = () => {
    if (oneLiners.length === 0) return;
    messages.push({ role: "user", content: `Summary of earlier steps:\n${oneLiners.join("\n")}` });
    oneLiners.length = 0;
  };
  steps.forEach((step, index) => {
    const level = detail.get(index) ?? "whole";
    if (step.type === "action" && level === "one-line") {
      oneLiners.push(oneLineSummary(step));
      return;
    }
    flushOneLiners();
    switch (step.type) {
      case "task":
        messages.push(taskMessage(step));
        return;
      case "planning":
        if (index === latestPlan) messages.push(...planMessages(step));
        return;
      case "action":
        messages.push(...actionMessages(step, level === "condensed"));
        return;
      case "final-answer":
        messages.push({ role: "assistant", content: `Final answer: ${formatValue(step.output)}` });
    }
  });
  flushOneLiners();
  return messages;
}

function taskMessage(step: TaskStep): ChatMessage {
  const text = `New task:\n${step.task}`;
  if (!step.images?.length) return { role: "user", content: text };
  const content: ContentPart[] = [{ type: "text", text }, ...step.images];
  return { role: "user", content };
}

function planMessages(step: PlanningStep): ChatMessage[] {
  return [
    { role: "assistant", content: step.plan },
    { role: "user", content: "Now carry out this plan, step by step." },
  ];
}

function actionMessages(step: ActionStep, condensed: boolean): ChatMessage[] {
  const reply = condensed ? condensedReply(step) : step.modelOutput;
  const messages: ChatMessage[] = [{ role: "assistant", content: reply || "(empty reply)" }];
  const observation = condensed ? condensedObservation(step) : fullObservation(step);
  messages.push({ role: "user", content: observation });
  return messages;
}

function fullObservation(step: ActionStep): string {
  const parts: string[] = [];
  if (step.observations && step.error) parts.push(`Observation:\n${step.observations}`);
  if (step.error) parts.push(`Error:\n${formatErrorObservation(step.error)}`);
  else parts.push(`Observation:\n${step.observations ?? ""}`);
  return parts.join("\n");
}

function condensedReply(step: ActionStep): string {
  if (step.codeAction === undefined) return truncateMiddle(step.modelOutput, 200);
  const lines = step.codeAction.split("\n");
  const shown = lines.slice(0, 4).join("\n");
  const more = lines.length > 4 ? `\n# … ${lines.length - 4} more lines` : "";
  return `[step ${step.stepNumber}, condensed]\n<code>\n${shown}${more}\n</code>`;
}

function condensedObservation(step: ActionStep): string {
  if (step.error) return `Error (step ${step.stepNumber}): ${step.error.type}: ${firstLine(step.error.message)}`;
  return `Observation (step ${step.stepNumber}, condensed):\n${truncateMiddle(step.observations ?? "", 300)}`;
}

function oneLineSummary(step: ActionStep): string {
  const lines = step.codeAction?.split("\n").length ?? 0;
  const outcome = step.error
    ? `error ${step.error.type}: ${firstLine(step.error.message).slice(0, 120)}`
    : `observed: ${firstLine(step.observations ?? "").slice(0, 120)}`;
  return `- step ${step.stepNumber}: ran ${lines} line${lines === 1 ? "" : "s"} of code; ${outcome}`;
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? "";
}
