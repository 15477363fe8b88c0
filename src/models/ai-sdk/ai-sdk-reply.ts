/**
 * What a language model of the AI SDK specification answered, in codeagent's terms: the text and
 * tool calls of a reply, and its token usage (nested counts in v3, flat ones in v2).
 */
import type { ModelToolCall, TokenUsage } from "../model.js";
import type { SpecContent, SpecFinishReason, SpecToolCall, SpecUsage, SpecUsageV2, SpecUsageV3 } from "./language-model-spec.js";

/** The token usage a provider reported, or undefined when it counted neither input nor output. */
export function toTokenUsage(usage: SpecUsage | undefined): TokenUsage | undefined {
  if (typeof usage !== "object" || usage === null) return undefined;
  const counts = isNestedUsage(usage) ? nestedCounts(usage) : flatCounts(usage);
  if (counts.input === undefined && counts.output === undefined) return undefined;
  const tokenUsage: TokenUsage = { inputTokens: counts.input ?? 0, outputTokens: counts.output ?? 0 };
  // Providers that cannot tell report 0 as often as nothing: only a real count is worth showing.
  if (counts.cacheRead !== undefined && counts.cacheRead > 0) tokenUsage.cacheReadTokens = counts.cacheRead;
  if (counts.cacheWrite !== undefined && counts.cacheWrite > 0) tokenUsage.cacheWriteTokens = counts.cacheWrite;
  return tokenUsage;
}

interface Counts {
  input: number | undefined;
  output: number | undefined;
  cacheRead: number | undefined;
  cacheWrite: number | undefined;
}

function isNestedUsage(usage: SpecUsage): usage is SpecUsageV3 {
  return typeof usage.inputTokens === "object" || typeof usage.outputTokens === "object";
}

/** v3: the totals when given, else the sum of the parts the provider gave. */
function nestedCounts(usage: SpecUsageV3): Counts {
  const input = usage.inputTokens ?? {};
  const output = usage.outputTokens ?? {};
  return {
    input: count(input.total) ?? sum(count(input.noCache), count(input.cacheRead), count(input.cacheWrite)),
    output: count(output.total) ?? sum(count(output.text), count(output.reasoning)),
    cacheRead: count(input.cacheRead),
    cacheWrite: count(input.cacheWrite),
  };
}

function flatCounts(usage: SpecUsageV2): Counts {
  return { input: count(usage.inputTokens), output: count(usage.outputTokens), cacheRead: count(usage.cachedInputTokens), cacheWrite: undefined };
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function sum(...values: (number | undefined)[]): number | undefined {
  const known = values.filter((value) => value !== undefined);
  return known.length === 0 ? undefined : known.reduce((total, value) => total + value, 0);
}

/** The text of a reply's content: its text parts, reasoning left out. */
export function replyText(content: readonly SpecContent[]): string {
  return content.map((part) => (part.type === "text" && "text" in part ? part.text : "")).join("");
}

/** The tool calls for codeagent to run: those the provider did not run itself. */
export function replyToolCalls(content: readonly SpecContent[]): ModelToolCall[] {
  return content.filter(isClientToolCall).map((call) => ({ id: call.toolCallId, name: call.toolName, arguments: parseToolArguments(call.input) }));
}

/** Whether a content or stream part is a tool call codeagent must run. */
export function isClientToolCall(part: { type: string }): part is SpecToolCall {
  return part.type === "tool-call" && (part as SpecToolCall).providerExecuted !== true;
}

/** Tool-call arguments parsed when they are JSON text, else as they came. */
export function parseToolArguments(input: unknown): unknown {
  if (typeof input !== "string") return input;
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}

/** The tool call's input as JSON text, as streamed deltas carry it. */
export function inputText(input: unknown): string {
  return typeof input === "string" ? input : JSON.stringify(input ?? {});
}

/**
 * Whether a finished stream said why it finished. A stream of something else than the
 * provider's protocol (an HTML page at a wrong base URL) yields no reply and no reason.
 */
export function hasFinishReason(reason: SpecFinishReason | undefined): boolean {
  if (reason === undefined) return false;
  if (typeof reason === "string") return reason !== "unknown";
  return reason.raw !== undefined;
}
