/**
 * The OpenInference attributes of codeagent's spans, so tracing UIs that read the convention
 * (Phoenix, Arize, Langfuse, ...) show agents, steps, model calls and tool calls as such.
 */
import { OpenInferenceSpanKind, SemanticConventions as SC } from "@arizeai/openinference-semantic-conventions";
import type { Attributes } from "@opentelemetry/api";

import { messageText, type ChatMessage, type TokenUsage } from "../models/model.js";

export { OpenInferenceSpanKind };

/**
 * The most characters one attribute value keeps. A run's texts (messages, logs, tool results) can
 * be megabytes: unbounded, exporters would drop the spans. (Model calls record only the messages
 * that are new since the run's previous call: see new-messages.ts.)
 */
export const MAX_ATTRIBUTE_CHARS = 32_768;

/** `text` cut to {@link MAX_ATTRIBUTE_CHARS}, ending with a marker that says how much was left out. */
export function boundedText(text: string): string {
  if (text.length <= MAX_ATTRIBUTE_CHARS) return text;
  return `${text.slice(0, MAX_ATTRIBUTE_CHARS)}… [${text.length - MAX_ATTRIBUTE_CHARS} more characters cut by codeagent's tracing]`;
}

/** The span kind attribute. */
export function spanKind(kind: OpenInferenceSpanKind): Attributes {
  return { [SC.OPENINFERENCE_SPAN_KIND]: kind };
}

/** A value as `input.value` (text as it is, anything else as JSON). */
export function inputValue(value: unknown): Attributes {
  return valueAttributes(SC.INPUT_VALUE, SC.INPUT_MIME_TYPE, value);
}

/** A value as `output.value` (text as it is, anything else as JSON). */
export function outputValue(value: unknown): Attributes {
  return valueAttributes(SC.OUTPUT_VALUE, SC.OUTPUT_MIME_TYPE, value);
}

/** The token counts of a model call (or of a run), cache reads and writes when the provider said. */
export function tokenCounts(usage: TokenUsage): Attributes {
  const attributes: Attributes = {
    [SC.LLM_TOKEN_COUNT_PROMPT]: usage.inputTokens,
    [SC.LLM_TOKEN_COUNT_COMPLETION]: usage.outputTokens,
    [SC.LLM_TOKEN_COUNT_TOTAL]: usage.inputTokens + usage.outputTokens,
  };
  if (usage.cacheReadTokens !== undefined) attributes[SC.LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_READ] = usage.cacheReadTokens;
  if (usage.cacheWriteTokens !== undefined) attributes[SC.LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_WRITE] = usage.cacheWriteTokens;
  if (usage.estimated) attributes["codeagent.token_count.estimated"] = true;
  return attributes;
}

/** A model's reply as `llm.output_messages`, flattened the way OpenInference lists messages. */
export function outputMessage(text: string): Attributes {
  return flatMessages(SC.LLM_OUTPUT_MESSAGES, [{ role: "assistant", content: text }]);
}

/** The attribute that says how many earlier messages a model call sent that its `llm.input_messages` leave out. */
export const OMITTED_INPUT_MESSAGES = "codeagent.llm.input_messages.omitted";

/**
 * The most messages one model-call span lists. A run that continues a long conversation
 * (`reset: false`) sends it all in its first call: only the newest are listed, the rest counted.
 */
export const MAX_INPUT_MESSAGES = 100;

/**
 * The messages sent to a model as `llm.input_messages` (their text; images are left out), the
 * newest {@link MAX_INPUT_MESSAGES} of them. `omitted`: how many messages came before them (sent
 * by the run's previous call already); the count recorded adds those left out here.
 */
export function inputMessages(messages: readonly ChatMessage[], omitted = 0): Attributes {
  const listed = messages.slice(-MAX_INPUT_MESSAGES);
  const notListed = omitted + messages.length - listed.length;
  return { ...flatMessages(SC.LLM_INPUT_MESSAGES, listed), ...(notListed > 0 ? { [OMITTED_INPUT_MESSAGES]: notListed } : {}) };
}

function flatMessages(key: string, messages: readonly ChatMessage[]): Attributes {
  const attributes: Attributes = {};
  messages.forEach((message, index) => {
    attributes[`${key}.${index}.${SC.MESSAGE_ROLE}`] = message.role;
    attributes[`${key}.${index}.${SC.MESSAGE_CONTENT}`] = boundedText(messageText(message.content));
  });
  return attributes;
}

/** What names a model call. */
export function modelName(modelId: string): Attributes {
  return { [SC.LLM_MODEL_NAME]: modelId };
}

/** What names an agent. */
export function agentName(name: string): Attributes {
  return { [SC.AGENT_NAME]: name };
}

/** What names a tool. */
export function toolName(name: string): Attributes {
  return { [SC.TOOL_NAME]: name };
}

function valueAttributes(valueKey: string, mimeKey: string, value: unknown): Attributes {
  // A cut JSON text is no longer JSON: it is then labelled as plain text.
  const text = typeof value === "string" ? value : jsonText(value);
  const bounded = boundedText(text);
  return { [valueKey]: bounded, [mimeKey]: typeof value === "string" || bounded !== text ? "text/plain" : "application/json" };
}

/** JSON when the value has some; else its text (a function, a cycle, undefined). */
function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
