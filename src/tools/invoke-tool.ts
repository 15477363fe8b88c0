/**
 * Runs a tool for a call made in the sandbox: binds and validates the arguments, runs `execute`,
 * validates the result. Every failure is an error whose message the model's code can act on.
 */
import { z } from "zod";

import { ToolArgumentError, ToolExecutionError } from "../errors.js";
import { bindArguments, type ToolInvocation } from "./bind-arguments.js";
import { pythonParameterName } from "./identifiers.js";
import { issueMessages } from "./issue-messages.js";
import { renderJavaScriptType } from "./javascript-type.js";
import { renderPythonType } from "./python-type.js";
import type { Tool, ToolContext } from "./tool.js";
import { valueLiteral, type CallingLanguage } from "./type-names.js";

/**
 * Calls `tool` with the arguments of a sandbox call and returns its (validated) result.
 *
 * Throws {@link ToolArgumentError} when the arguments do not fit the tool's signature or schema,
 * and {@link ToolExecutionError} when `execute` throws (with the thrown message only, no host stack)
 * or returns a value that does not match `outputSchema`. If `context.signal` is aborted, the
 * abort reason is thrown as is, so cancellation is not mistaken for a tool failure.
 */
export async function invokeTool(tool: Tool, invocation: ToolInvocation, context: ToolContext = {}): Promise<unknown> {
  const language = invocation.language ?? "python";
  const bound = bindArguments(tool, invocation);
  const args = tool.inputSchema === undefined ? bound : await validateArguments(tool, tool.inputSchema, bound, language);

  context.signal?.throwIfAborted();
  let output: unknown;
  try {
    output = await tool.execute(args, context);
  } catch (error) {
    if (context.signal?.aborted) throw context.signal.reason;
    throw new ToolExecutionError(tool.name, messageOf(error), { cause: error });
  }
  return tool.outputSchema === undefined ? output : validateOutput(tool, tool.outputSchema, output, language);
}

async function validateArguments(
  tool: Tool,
  schema: z.ZodType,
  args: Record<string, unknown>,
  language: CallingLanguage,
): Promise<Record<string, unknown>> {
  const result = await z.safeParseAsync(schema, args, { error: issueMessages(language) });
  if (result.success) return result.data as Record<string, unknown>;
  const lines = result.error.issues.map((issue) => argumentIssueLine(tool.name, issue, args, language));
  throw new ToolArgumentError(tool.name, [...new Set(lines)].join("\n"));
}

function argumentIssueLine(toolName: string, issue: z.core.$ZodIssue, args: unknown, language: CallingLanguage): string {
  const [parameter, ...rest] = issue.path;
  if (parameter === undefined) return `${toolName}() got invalid arguments: ${issue.message}`;
  const name = language === "python" ? pythonParameterName(String(parameter)) : String(parameter);
  // zod reports a missing key as a type mismatch against `undefined`; say "missing" instead.
  if (issue.code === "invalid_type" && valueAt(args, issue.path) === undefined) {
    const key = rest[rest.length - 1];
    if (key === undefined) return `${toolName}() missing required argument: '${name}'`;
    return `${toolName}() argument '${name}${pathText(rest.slice(0, -1))}': missing required key ${keyText(key)}`;
  }
  return `${toolName}() argument '${name}${pathText(rest)}': ${issue.message}`;
}

async function validateOutput(tool: Tool, schema: z.ZodType, output: unknown, language: CallingLanguage): Promise<unknown> {
  const result = await z.safeParseAsync(schema, output, { error: issueMessages(language) });
  if (result.success) return result.data;
  const declared =
    tool.returns === undefined
      ? ""
      : ` (${language === "python" ? renderPythonType(tool.returns) : renderJavaScriptType(tool.returns)})`;
  const problems = result.error.issues.map((issue) =>
    issue.path.length === 0 ? issue.message : `at ${pathText(issue.path)}: ${issue.message}`,
  );
  throw new ToolExecutionError(
    tool.name,
    `${tool.name}() returned a value that does not match its declared output type${declared}: ` +
      `${problems.join("; ")}. The returned value was ${valueLiteral(output, language)}. ` +
      `This is a bug in the tool, not in the calling code.`,
  );
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  return valueLiteral(error, "javascript");
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

// Indexing as both languages write it: items[0]["name"].
function pathText(path: readonly PropertyKey[]): string {
  return path.map((key) => `[${keyText(key)}]`).join("");
}

function keyText(key: PropertyKey): string {
  return typeof key === "number" ? String(key) : JSON.stringify(String(key));
}
