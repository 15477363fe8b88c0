/**
 * Turns a call made in the sandbox (positional and keyword arguments) into the arguments object
 * `execute` receives, with the rules and error messages of a Python function call.
 */
import { ToolArgumentError } from "../errors.js";
import { pythonParameterName } from "./identifiers.js";
import { inContext, mayBeOfType } from "./json-schema.js";
import type { Tool } from "./tool.js";
import { acceptsExtraArguments, toolParameters, type ToolParameter } from "./tool-parameters.js";
import type { CallingLanguage } from "./type-names.js";

/** A tool call as the sandbox code made it: `get_weather("Paris", unit="c")`. */
export interface ToolInvocation {
  /** Positional arguments, assigned in {@link toolParameterOrder}. */
  readonly args: unknown[];
  /** Keyword arguments. In Python a parameter may also be named by its Python alias (`from_`). */
  readonly kwargs: Record<string, unknown>;
  /** The language of the calling code; error messages use its words. Defaults to Python. */
  readonly language?: CallingLanguage;
}

type BindableTool = Pick<Tool, "name" | "parameters">;

/**
 * Reads a call with one plain-object argument as a call with named arguments, the way JavaScript
 * code calls tools: `get_weather({ city: "Paris" })` becomes `kwargs = { city: "Paris" }`.
 *
 * The rule, applied only when there is exactly one positional argument, it is a plain object and
 * there are no keyword arguments:
 * - Python: the object is named arguments when every key is a parameter name and the first
 *   parameter cannot itself take an object (otherwise it is the first argument, as Python says).
 * - JavaScript: the object is named arguments when the first parameter cannot take an object, or
 *   when the object reads as a full set of named arguments (every key is a parameter name and every
 *   required parameter is present). Otherwise it is the first argument.
 */
export function unwrapObjectArgument(tool: Pick<Tool, "parameters">, invocation: ToolInvocation): ToolInvocation {
  const [only] = invocation.args;
  if (invocation.args.length !== 1 || Object.keys(invocation.kwargs).length > 0 || !isPlainObject(only)) {
    return invocation;
  }
  const parameters = toolParameters(tool);
  const names = new Set(parameters.map((parameter) => parameter.name));
  const keys = Object.keys(only);
  const keysAreParameters = keys.every((key) => names.has(key));
  const first = parameters[0];
  const firstTakesObject = first !== undefined && mayBeOfType(inContext(first.schema, tool.parameters), "object");
  const hasAllRequired = parameters.every((parameter) => !parameter.required || Object.hasOwn(only, parameter.name));
  const isNamed =
    invocation.language === "javascript"
      ? !firstTakesObject || (keysAreParameters && hasAllRequired)
      : !firstTakesObject && keysAreParameters;
  return isNamed ? { ...invocation, args: [], kwargs: only } : invocation;
}

/**
 * Maps positional arguments onto {@link toolParameterOrder} and merges keyword arguments. Throws
 * {@link ToolArgumentError} for too many positional arguments, an argument given twice, an unknown
 * keyword, or a missing required argument. `undefined` counts as not given, and so does `None`/`null`
 * for an optional parameter whose schema does not accept null (stubs show those as `X | None = None`).
 */
export function bindArguments(tool: BindableTool, invocation: ToolInvocation): Record<string, unknown> {
  const language = invocation.language ?? "python";
  const { args, kwargs } = unwrapObjectArgument(tool, invocation);
  const parameters = toolParameters(tool);
  const fail = (message: string) => new ToolArgumentError(tool.name, `${tool.name}() ${message}`);
  const shownName = (name: string) => (language === "python" ? pythonParameterName(name) : name);

  if (args.length > parameters.length) {
    const takes = `${parameters.length} positional ${parameters.length === 1 ? "argument" : "arguments"}`;
    throw fail(`takes ${takes} but ${args.length} ${args.length === 1 ? "was" : "were"} given`);
  }
  // A Map, not an object: keywords such as `__proto__` or `toString` must stay plain data.
  const bound = new Map<string, unknown>();
  args.forEach((value, index) => {
    const parameter = parameters[index];
    if (parameter !== undefined && value !== undefined) bound.set(parameter.name, value);
  });

  const parameterByKeyword = keywordLookup(parameters);
  const unexpected: string[] = [];
  for (const [keyword, value] of Object.entries(kwargs)) {
    if (value === undefined) continue;
    const name = parameterByKeyword.get(keyword) ?? (acceptsExtraArguments(tool) ? keyword : undefined);
    if (name === undefined) unexpected.push(keyword);
    else if (bound.has(name)) throw fail(`got multiple values for argument '${shownName(name)}'`);
    else bound.set(name, value);
  }
  if (unexpected.length > 0) {
    const kind = language === "python" ? "keyword argument" : "argument";
    const listed = unexpected.map((keyword) => `'${keyword}'`).join(", ");
    const valid = parameters.map((parameter) => `'${shownName(parameter.name)}'`).join(", ");
    const hint = parameters.length === 0 ? "It takes no arguments." : `Valid arguments: ${valid}.`;
    throw fail(
      `got ${unexpected.length === 1 ? `an unexpected ${kind}` : `unexpected ${kind}s`} ${listed}. ${hint}`,
    );
  }

  for (const parameter of parameters) {
    if (!parameter.required && bound.get(parameter.name) === null && !acceptsNull(tool, parameter)) {
      bound.delete(parameter.name);
    }
  }
  const missing = parameters.filter((parameter) => parameter.required && !bound.has(parameter.name));
  if (missing.length > 0) {
    const listed = missing.map((parameter) => `'${shownName(parameter.name)}'`).join(", ");
    throw fail(`missing required ${missing.length === 1 ? "argument" : "arguments"}: ${listed}`);
  }
  return Object.fromEntries(bound);
}

// Keywords may use the parameter's own name or, from Python, its legal alias (`from_` for `from`).
function keywordLookup(parameters: ToolParameter[]): Map<string, string> {
  const lookup = new Map<string, string>();
  for (const parameter of parameters) {
    const alias = pythonParameterName(parameter.name);
    if (!lookup.has(alias)) lookup.set(alias, parameter.name);
  }
  for (const parameter of parameters) lookup.set(parameter.name, parameter.name);
  return lookup;
}

function acceptsNull(tool: Pick<Tool, "parameters">, parameter: ToolParameter): boolean {
  return mayBeOfType(inContext(parameter.schema, tool.parameters), "null");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
