/**
 * A tool's parameters as the sandbox sees them: ordered, with their schemas. Stubs and argument
 * binding both read this, so the signature the model sees is exactly the one that is enforced.
 */
import type { JsonSchema } from "./json-schema.js";
import type { Tool } from "./tool.js";

/** One parameter of a tool. */
export interface ToolParameter {
  readonly name: string;
  readonly schema: JsonSchema;
  readonly required: boolean;
}

/**
 * Parameter names in signature order: required parameters in schema order, then optional ones in
 * schema order. Python needs parameters without a default before those with one, and this is also
 * the order positional arguments are assigned in: `get_weather("Paris", "c")`.
 */
export function toolParameterOrder(tool: Pick<Tool, "parameters">): string[] {
  return toolParameters(tool).map((parameter) => parameter.name);
}

/** The parameters of a tool in {@link toolParameterOrder}. */
export function toolParameters(tool: Pick<Tool, "parameters">): ToolParameter[] {
  const properties = tool.parameters.properties ?? {};
  const required = new Set(tool.parameters.required ?? []);
  const all = Object.entries(properties).map(([name, schema]) => ({ name, schema, required: required.has(name) }));
  return [...all.filter((parameter) => parameter.required), ...all.filter((parameter) => !parameter.required)];
}

/**
 * Whether keyword arguments beyond the declared parameters are accepted. Only an explicit
 * `additionalProperties` (zod's `looseObject`/`catchall`) allows them: an unknown keyword is far more
 * often a typo by the model than a wish to pass extra data.
 */
export function acceptsExtraArguments(tool: Pick<Tool, "parameters">): boolean {
  const additional = tool.parameters.additionalProperties;
  return additional === true || (typeof additional === "object" && additional !== null);
}
