/**
 * Reads tool calls written as JSON in plain text, for models without native tool calling:
 * `{"name": "get_weather", "arguments": {"city": "Paris"}}`, alone, in a ```json fence, in a
 * list, or with the common variants of the keys (`tool`, `parameters`, `action`/`action_input`).
 */
import type { ModelToolCall } from "../models/model.js";

/** The tool calls found in `text`, in order; empty when there are none. */
export function parseTextToolCalls(text: string): ModelToolCall[] {
  const calls: ModelToolCall[] = [];
  for (const candidate of jsonCandidates(text)) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      const call = asToolCall(item, calls.length);
      if (call) calls.push(call);
    }
  }
  return calls;
}

function asToolCall(value: unknown, index: number): ModelToolCall | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const name = record["name"] ?? record["tool"] ?? record["tool_name"] ?? record["action"] ?? record["function"];
  if (typeof name !== "string" || name === "") return undefined;
  const rawArguments = record["arguments"] ?? record["parameters"] ?? record["args"] ?? record["action_input"] ?? record["input"] ?? {};
  return { id: `text_call_${index}`, name, arguments: typeof rawArguments === "string" ? parseMaybe(rawArguments) : rawArguments };
}

function parseMaybe(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Top-level balanced `{...}` and `[...]` spans, outside and inside code fences. */
function jsonCandidates(text: string): string[] {
  const spans: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (char === "\\") escaped = true;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"' && depth > 0) inString = true;
    else if (char === "{" || char === "[") {
      if (depth === 0) start = index;
      depth++;
    } else if ((char === "}" || char === "]") && depth > 0) {
      depth--;
      if (depth === 0) spans.push(text.slice(start, index + 1));
    }
  }
  return spans;
}
