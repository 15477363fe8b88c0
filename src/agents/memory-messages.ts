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

/** Room kept for the reply when the call sets no `maxTokens`: a step's thought and code. */
const DEFAULT_REPLY_TOKENS = 8_192;
/** Real tokenizers count code at fewer characters a token than the estimate's 4: a tenth is kept in reserve. */
const ESTIMATE_MARGIN = 0.9;

/**
 * The budget an agent uses by default: the context window less the reply's room, with a margin
 * for the estimate. Undefined when the window is unknown.
 */
export function defaultContextBudget(contextWindow: number | undefined, maxTokens: number | undefined): number | undefined {
  if (contextWindow === undefined || !Number.isFinite(contextWindow) || contextWindow <= 0) return undefined;
  const reply = Math.min(maxTokens ?? DEFAULT_REPLY_TOKENS, Math.floor(contextWindow / 4));
  return Math.floor((contextWindow - reply) * ESTIMATE_MARGIN);
}

/**
 * Steps change their detail in groups of this many: when fitting the budget needs one more step
 * condensed, the next few are condensed with it. The messages are built anew for every call, so
 * without this each new step would condense one more old one and change the messages right after
 * the task every time; in groups, the following steps only append, and a provider's prompt cache
 * keeps matching the long prefix until the next group.
 */
const DETAIL_GROUP = 4;

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
  const fits = (changed: number) => total <= budget && changed % DETAIL_GROUP === 0;
  for (const [changed, index] of indexes.withImages.entries()) {
    if (fits(changed)) return;
    const rendered = renderAction(steps[index] as ActionStep);
    total += rendered.textOnlyTokens - rendered.wholeTokens;
    detail.set(index, "text-only");
  }
  if (total <= budget) return;
  for (const level of ["condensed", "one-line"] as const) {
    for (const [changed, index] of indexes.condensable.entries()) {
      if (fits(changed)) return;
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
      // One summary message per group: summarising more steps adds a message, and leaves the
      // earlier ones (and a provider's cache of them) as they were.
      if (oneLiners.length === DETAIL_GROUP) flushOneLiners();
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
