/**
 * Tool calls for local models, enforced by a grammar rather than parsed from each model's own
 * tool-call format: when a call must call a tool (`toolChoice: "required"`, as ToolCallingAgent
 * asks), the tools are described in the system prompt and the reply is constrained to one JSON
 * object `{"name": ..., "arguments": ...}` matching one tool's parameters. Any GGUF model can do
 * this, whatever its chat template says about tools.
 */
import type { JsonSchema } from "../../tools/json-schema.js";
import type { ChatMessage, GenerateOptions, ModelToolCall, ModelToolSpec } from "../model.js";

/** Whether this call must end in a tool call, the one kind of tool use supported here. */
export function mustCallTool(options: GenerateOptions): boolean {
  return Boolean(options.tools?.length) && options.toolChoice === "required";
}

/** The messages with the tools and the reply's shape described in the system prompt. */
export function withToolInstructions(messages: readonly ChatMessage[], tools: readonly ModelToolSpec[]): ChatMessage[] {
  const listing = tools.map((tool) => `- ${tool.name}: ${tool.description}\n  arguments (JSON Schema): ${JSON.stringify(tool.parameters)}`).join("\n");
  const instructions = `You can call these tools:\n${listing}\n\nReply with exactly one JSON object that calls one of them: {"name": "<tool name>", "arguments": {...}}.`;
  const [first, ...rest] = messages;
  if (first?.role === "system" && typeof first.content === "string") return [{ ...first, content: `${first.content}\n\n${instructions}` }, ...rest];
  return [{ role: "system", content: instructions }, ...messages];
}

/** The schema of a reply that calls one of `tools`: one object shape per tool. */
export function toolCallSchema(tools: readonly ModelToolSpec[]): JsonSchema {
  const shapes = tools.map((tool) => ({
    type: "object",
    properties: { name: { const: tool.name }, arguments: argumentsSchema(tool.parameters) },
    required: ["name", "arguments"],
    additionalProperties: false,
  }));
  return shapes.length === 1 ? shapes[0]! : { oneOf: shapes };
}

/** The tool call a reply written under {@link toolCallSchema} makes, or undefined when it names no tool offered. */
export function parseToolCall(text: string, tools: readonly ModelToolSpec[], id: string): ModelToolCall | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // A reply cut short by maxTokens: the name may still be readable, the arguments stay raw text.
    const name = /^\s*\{\s*"name"\s*:\s*"([^"]*)"/.exec(text)?.[1];
    const args = /"arguments"\s*:\s*([\s\S]*)$/.exec(text)?.[1] ?? "";
    return name !== undefined && tools.some((tool) => tool.name === name) ? { id, name, arguments: args } : undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { name, arguments: args } = parsed as { name?: unknown; arguments?: unknown };
  if (typeof name !== "string" || !tools.some((tool) => tool.name === name)) return undefined;
  return { id, name, arguments: args ?? {} };
}

/** A tool's parameters as a grammar can take them: a bare `true` schema becomes any object. */
function argumentsSchema(parameters: JsonSchema): JsonSchema {
  if (typeof parameters === "boolean") return { type: "object" };
  // Annotations the grammar builder does not know are left out.
  const { $schema: _schema, title: _title, ...rest } = parameters;
  return rest;
}
