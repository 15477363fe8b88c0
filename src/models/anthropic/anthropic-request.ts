/**
 * The body of one Messages API call: conversation, `max_tokens` (which the API requires), stop
 * sequences, tools and tool choice, a JSON response format (sent as a forced tool, see
 * {@link FormatTool}), extended thinking, and prompt-cache breakpoints on the stable prefix.
 */
import type { JsonSchema } from "../../tools/json-schema.js";
import type { GenerateOptions, ModelToolSpec, ResponseFormat } from "../model.js";
import type { AnthropicConversation } from "./anthropic-messages.js";
import type { MessagesRequest, ToolChoice, ToolDefinition } from "./anthropic-wire.js";

/** The model's settings a request depends on. */
export interface RequestSettings {
  modelId: string;
  /** `max_tokens` when the call gives no `maxTokens`. */
  defaultMaxTokens: number;
  /** The thinking budget, when extended thinking is on. */
  thinkingBudget: number | undefined;
  promptCaching: boolean;
  /** False once the server rejected `stop_sequences`. */
  sendStopSequences: boolean;
  extraBody: Record<string, unknown>;
}

/**
 * The tool a JSON response format is asked for through: the Messages API of this SDK version has
 * no JSON mode, but a tool's input always follows its `input_schema`. Its input is the reply.
 * A schema that is not an object (the API wants object inputs) is wrapped as `{ value: schema }`.
 */
export interface FormatTool {
  name: string;
  /** Whether the schema was wrapped, so the reply is the input's `value`. */
  wrapped: boolean;
}

/** A request body, and the format tool it offers, if any. */
export interface BuiltRequest {
  body: MessagesRequest;
  formatTool: FormatTool | undefined;
}

const EPHEMERAL = { type: "ephemeral" } as const;
const FORMAT_TOOL_DESCRIPTION = "Give your answer by calling this tool: its input is the answer, and it must follow the input schema.";

/** Builds the body; `options` are the call's options with the model's defaults filled in. */
export function buildRequest(conversation: AnthropicConversation, options: GenerateOptions, settings: RequestSettings): BuiltRequest {
  const body: MessagesRequest = { model: settings.modelId, max_tokens: 0, messages: conversation.messages };
  if (conversation.system.length > 0) body.system = conversation.system;
  const stops = (options.stopSequences ?? []).filter((stop) => stop.trim() !== "");
  if (settings.sendStopSequences && stops.length > 0) body.stop_sequences = stops;

  const thinking = settings.thinkingBudget !== undefined && lastToolUseKeepsItsThinking(conversation);
  if (thinking) body.thinking = { type: "enabled", budget_tokens: settings.thinkingBudget! };
  // The API accepts no other temperature than 1 with thinking on.
  else if (options.temperature !== undefined) body.temperature = options.temperature;
  body.max_tokens = options.maxTokens ?? settings.defaultMaxTokens + (thinking ? settings.thinkingBudget! : 0);

  const tools = (options.tools ?? []).map(toToolDefinition);
  const formatTool = options.responseFormat ? formatToolFor(options.responseFormat, tools) : undefined;
  if (formatTool) tools.push(formatTool.definition);
  if (tools.length > 0) {
    body.tools = tools;
    const choice = toolChoice(options, formatTool?.definition.name, thinking);
    if (choice) body.tool_choice = choice;
  }
  if (settings.promptCaching) markStablePrefix(body, options.tools?.length ?? 0);
  return { body: { ...body, ...settings.extraBody }, formatTool: formatTool?.tool };
}

function toToolDefinition(spec: ModelToolSpec): ToolDefinition {
  return { name: spec.name, description: spec.description, input_schema: objectSchema(spec.parameters) ?? { type: "object", properties: {} } };
}

function objectSchema(schema: JsonSchema | undefined): Record<string, unknown> | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  return (schema as { type?: unknown }).type === "object" ? (schema as Record<string, unknown>) : undefined;
}

function formatToolFor(format: ResponseFormat, tools: readonly ToolDefinition[]): { tool: FormatTool; definition: ToolDefinition } | undefined {
  if (format.type === "text") return undefined;
  const wanted = format.type === "json_schema" ? format.name.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64) || "json_answer" : "json_answer";
  // A caller's tool of the same name keeps it.
  const name = tools.some((tool) => tool.name === wanted) ? `${wanted.slice(0, 58)}_reply` : wanted;
  const schema: JsonSchema = format.type === "json_schema" ? format.schema : { type: "object" };
  const asObject = objectSchema(schema);
  const input_schema = asObject ?? { type: "object", properties: { value: typeof schema === "object" ? schema : {} }, required: ["value"] };
  return { tool: { name, wrapped: asObject === undefined }, definition: { name, description: FORMAT_TOOL_DESCRIPTION, input_schema } };
}

/**
 * `auto`, `required` and `none` map to the API's `auto`, `any` and `none`. A JSON response format
 * forces its tool when the call offers no tools of its own and thinking is off (the API forbids
 * forcing a tool while thinking); otherwise the model is free to answer with it or in text.
 */
function toolChoice(options: GenerateOptions, formatToolName: string | undefined, thinking: boolean): ToolChoice | undefined {
  if (formatToolName !== undefined && !options.tools?.length && !thinking) return { type: "tool", name: formatToolName };
  switch (options.toolChoice) {
    case "auto":
      return { type: "auto" };
    case "required":
      return { type: "any" };
    case "none":
      return { type: "none" };
    case undefined:
      return undefined;
  }
}

/**
 * With thinking on, an assistant turn with tool calls that is followed by their results must start
 * with the thinking blocks of that turn. When the last such turn lacks them (the conversation was
 * written elsewhere, or by another model instance), the call goes without thinking instead of
 * being rejected.
 */
function lastToolUseKeepsItsThinking(conversation: AnthropicConversation): boolean {
  const lastAssistant = conversation.messages.findLast((turn) => turn.role === "assistant");
  if (!lastAssistant?.content.some((block) => block.type === "tool_use")) return true;
  const first = lastAssistant.content[0]?.type;
  return first === "thinking" || first === "redacted_thinking";
}

/**
 * Cache breakpoints at the end of the stable prefix: the last system block and the last of the
 * caller's tools (the format tool changes from call to call, so it stays after the breakpoint),
 * and at the end of the conversation.
 * The API caches tools, then system, then messages, each up to its breakpoint.
 */
function markStablePrefix(body: MessagesRequest, callerTools: number): void {
  const lastSystem = body.system?.at(-1);
  if (lastSystem) lastSystem.cache_control = EPHEMERAL;
  const lastTool = body.tools?.[callerTools > 0 ? callerTools - 1 : -1];
  if (lastTool) lastTool.cache_control = EPHEMERAL;
  // A third breakpoint at the end of the conversation: an agent's next request repeats this one
  // and appends (codeagent condenses older steps in groups), so it reads all of it from the cache.
  const lastBlock = body.messages.at(-1)?.content.at(-1);
  if (lastBlock && (lastBlock.type === "text" || lastBlock.type === "image" || lastBlock.type === "tool_result")) lastBlock.cache_control = EPHEMERAL;
}
