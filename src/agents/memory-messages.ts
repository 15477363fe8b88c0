/**
 * Turns memory into the messages sent to the model, within a token budget. Past the budget, the
 * images of older steps are left out first (the last step keeps its images), then older steps are
 * condensed (code and observation shortened, an error kept in one line), while the task, the
 * latest plan and the last few steps stay whole, so tokens stop growing with the square of the steps.
 */
import { estimateTokens } from "../models/scripted-model.js";
import { messageText, type ChatMessage, type ContentPart, type ImagePart } from "../models/model.js";
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

/** `text-only`: whole, but without the step's images (they are named in the text still). */
type Detail = "whole" | "text-only" | "condensed" | "one-line";

/** A step's messages at each level of detail, with their token estimates; made once per step. */
interface RenderedAction {
  whole: ChatMessage[];
  wholeTokens: number;
  textOnly: ChatMessage[];
  textOnlyTokens: number;
  condensed: ChatMessage[];
  condensedTokens: number;
  oneLine: string;
  oneLineTokens: number;
}

// Stored steps do not change, so what they render to is computed once and reused every step.
const renderedActions = new WeakMap<ActionStep, RenderedAction>();

const SUMMARY_HEADER = "Summary of earlier steps:";

/** Tokens an image is counted as: models charge from about 85 to about 1,100 for one. */
const IMAGE_TOKENS = 1_000;

/** The messages for `steps`, after `systemPrompt`, condensed as far as the budget needs. */
export function memoryToMessages(systemPrompt: string, steps: readonly MemoryStep[], options: MemoryMessageOptions = {}): ChatMessage[] {
  const detail = new Map<number, Detail>();
  if (options.contextBudget !== undefined) {
    const keepRecent = options.keepRecentSteps ?? 3;
    const actionIndexes = steps.flatMap((step, index) => (step.type === "action" ? [index] : []));
    const condensable = actionIndexes.slice(0, Math.max(actionIndexes.length - keepRecent, 0));
    chooseDetail(systemPrompt, steps, { withImages: actionIndexes.slice(0, -1), condensable }, options.contextBudget, detail);
  }
  return [{ role: "system", content: systemPrompt }, ...stepsToMessages(steps, detail)];
}

/** Estimated tokens of a list of messages (about 4 characters a token, plus a little per message). */
export function estimateMessagesTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((total, message) => total + messageTokens(message), 0);
}

function messageTokens(message: ChatMessage): number {
  const images = typeof message.content === "string" ? 0 : message.content.filter((part) => part.type === "image").length;
  return 4 + estimateTokens(messageText(message.content)) + images * IMAGE_TOKENS;
}

/**
 * Drops the images of every step but the last, oldest first, until the estimate fits; then
 * condenses the oldest steps one at a time; then goes further.
 */
function chooseDetail(
  systemPrompt: string,
  steps: readonly MemoryStep[],
  indexes: { withImages: number[]; condensable: number[] },
  budget: number,
  detail: Map<number, Detail>,
): void {
  let total = estimateMessagesTokens(memoryToMessages(systemPrompt, steps));
  for (const index of indexes.withImages) {
    if (total <= budget) return;
    const rendered = renderAction(steps[index] as ActionStep);
    total += rendered.textOnlyTokens - rendered.wholeTokens;
    detail.set(index, "text-only");
  }
  for (const level of ["condensed", "one-line"] as const) {
    for (const index of indexes.condensable) {
      if (total <= budget) return;
      const rendered = renderAction(steps[index] as ActionStep);
      const before = level === "condensed" ? (detail.get(index) === "text-only" ? rendered.textOnlyTokens : rendered.wholeTokens) : rendered.condensedTokens;
      const after = level === "condensed" ? rendered.condensedTokens : rendered.oneLineTokens;
      total += after - before;
      detail.set(index, level);
    }
  }
}

function stepsToMessages(steps: readonly MemoryStep[], detail: Map<number, Detail>): ChatMessage[] {
  const latestPlan = steps.findLastIndex((step) => step.type === "planning");
  const messages: ChatMessage[] = [];
  const oneLiners: string[] = [];
  const flushOneLiners = () => {
    if (oneLiners.length === 0) return;
    messages.push({ role: "user", content: `${SUMMARY_HEADER}\n${oneLiners.join("\n")}` });
    oneLiners.length = 0;
  };
  steps.forEach((step, index) => {
    const level = detail.get(index) ?? "whole";
    if (step.type === "action" && level === "one-line") {
      oneLiners.push(renderAction(step).oneLine);
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
      case "action": {
        const rendered = renderAction(step);
        messages.push(...(level === "condensed" ? rendered.condensed : level === "text-only" ? rendered.textOnly : rendered.whole));
        return;
      }
      case "final-answer":
        messages.push({ role: "assistant", content: `Final answer: ${formatValue(step.output)}` });
    }
  });
  flushOneLiners();
  return messages;
}

function renderAction(step: ActionStep): RenderedAction {
  let rendered = renderedActions.get(step);
  if (rendered === undefined) {
    const reply = step.modelOutput || "(empty reply)";
    const whole = actionMessages(reply, fullObservation(step), step.observationImages);
    const textOnly = step.observationImages?.length ? actionMessages(reply, fullObservation(step)) : whole;
    const condensed = actionMessages(condensedReply(step), condensedObservation(step));
    const oneLine = oneLineSummary(step);
    rendered = {
      whole,
      wholeTokens: estimateMessagesTokens(whole),
      textOnly,
      textOnlyTokens: estimateMessagesTokens(textOnly),
      condensed,
      condensedTokens: estimateMessagesTokens(condensed),
      oneLine,
      oneLineTokens: estimateTokens(oneLine) + 1,
    };
    renderedActions.set(step, rendered);
  }
  return rendered;
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

function actionMessages(reply: string, observation: string, images: readonly ImagePart[] = []): ChatMessage[] {
  return [
    { role: "assistant", content: reply },
    { role: "user", content: images.length > 0 ? [{ type: "text", text: observation }, ...images] : observation },
  ];
}

function fullObservation(step: ActionStep): string {
  if (!step.error) return `Observation:\n${step.observations ?? ""}`;
  const error = `Error:\n${formatErrorObservation(step.error)}`;
  return step.observations ? `Observation:\n${step.observations}\n${error}` : error;
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
  const lines = step.codeAction === undefined ? 0 : countLines(step.codeAction);
  const outcome = step.error
    ? `error ${step.error.type}: ${firstLine(step.error.message).slice(0, 120)}`
    : `observed: ${firstLine(step.observations ?? "").slice(0, 120)}`;
  return `- step ${step.stepNumber}: ran ${lines} line${lines === 1 ? "" : "s"} of code; ${outcome}`;
}

function firstLine(text: string): string {
  const end = text.indexOf("\n");
  return end < 0 ? text : text.slice(0, end);
}

function countLines(text: string): number {
  let count = 1;
  for (let index = text.indexOf("\n"); index >= 0; index = text.indexOf("\n", index + 1)) count++;
  return count;
}
