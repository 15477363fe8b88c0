/**
 * How the model sees a tool when it writes Python: a typed signature and a Google-style docstring.
 *
 *     def get_weather(city: str, unit: Literal["c", "f"] = "c") -> str:
 *         """Current weather for a city.
 *
 *         Args:
 *             city: City name, e.g. 'Paris'
 *             unit: Temperature unit.
 *         """
 */
import { descriptionLines, indent } from "./description-lines.js";
import { pythonParameterName } from "./identifiers.js";
import { defaultOf, descriptionOf, inContext, mayBeOfType, type JsonSchema } from "./json-schema.js";
import { appendSentence, objectKeyLines } from "./python-object-keys.js";
import { pythonLiteral, pythonTypeOf, renderPythonType } from "./python-type.js";
import type { Tool } from "./tool.js";
import { acceptsExtraArguments, toolParameters, type ToolParameter } from "./tool-parameters.js";

// Past this width each parameter goes on its own line, as a formatter would put it.
const MAXIMUM_SIGNATURE_WIDTH = 100;
const BODY_INDENT = "    ";

/** The Python stub of a tool: its `def` line and docstring (no body beyond the docstring). */
export function renderPythonStub(tool: Pick<Tool, "name" | "description" | "parameters" | "returns">): string {
  const parameters = toolParameters(tool);
  const signature = renderSignature(tool, parameters);
  const docstring = renderDocstring([
    ...descriptionLines(tool.description),
    ...section("Args:", parameters.flatMap((parameter) => argumentLines(parameter, tool.parameters))),
    ...section("Returns:", tool.returns === undefined ? [] : returnLines(tool.returns)),
  ]);
  return [signature, ...indent(docstring, BODY_INDENT)].join("\n");
}

function renderSignature(tool: Pick<Tool, "name" | "parameters" | "returns">, parameters: ToolParameter[]): string {
  const parts = parameters.map((parameter) => renderParameter(parameter, tool.parameters));
  if (acceptsExtraArguments(tool)) {
    const extra = tool.parameters.additionalProperties;
    const type = extra === undefined || typeof extra === "boolean" ? "Any" : renderPythonType(extra, tool.parameters);
    parts.push(`**kwargs: ${type}`);
  }
  const returnType = tool.returns === undefined ? "Any" : renderPythonType(tool.returns);
  const oneLine = `def ${tool.name}(${parts.join(", ")}) -> ${returnType}:`;
  if (oneLine.length <= MAXIMUM_SIGNATURE_WIDTH) return oneLine;
  return [`def ${tool.name}(`, ...parts.map((part) => `${BODY_INDENT}${part},`), `) -> ${returnType}:`].join("\n");
}

function renderParameter(parameter: ToolParameter, root: JsonSchema): string {
  const node = inContext(parameter.schema, root);
  const name = pythonParameterName(parameter.name);
  const type = pythonTypeOf(node);
  if (parameter.required) return `${name}: ${type}`;
  const fallback = defaultOf(parameter.schema);
  if (fallback !== undefined) return `${name}: ${type} = ${pythonLiteral(fallback.value)}`;
  // An optional argument without a default is written `X | None = None`; passing None explicitly
  // is accepted as "not given" by the bridge, so the annotation tells the truth.
  const optionalType = type === "Any" || mayBeOfType(node, "null") ? type : `${type} | None`;
  return `${name}: ${optionalType} = None`;
}

function argumentLines(parameter: ToolParameter, root: JsonSchema): string[] {
  const node = inContext(parameter.schema, root);
  const description = descriptionLines(descriptionOf(parameter.schema) ?? "");
  const keys = objectKeyLines(node);
  if (description.length === 0 && keys === undefined) return [];
  const text = keys === undefined ? description : appendSentence(description, keys.introduction);
  const [first = "", ...rest] = text;
  return [
    `${pythonParameterName(parameter.name)}: ${first}`,
    ...indent(rest, BODY_INDENT),
    ...indent(keys?.lines ?? [], BODY_INDENT),
  ];
}

function returnLines(returns: JsonSchema): string[] {
  const description = descriptionLines(descriptionOf(returns) ?? "");
  const keys = objectKeyLines(inContext(returns));
  if (keys === undefined) return description;
  return [...appendSentence(description, keys.introduction), ...indent(keys.lines, BODY_INDENT)];
}

function section(title: string, lines: string[]): string[] {
  return lines.length === 0 ? [] : ["", title, ...indent(lines, BODY_INDENT)];
}

/** Wraps lines in triple quotes, escaping any triple quotes inside so the docstring stays closed. */
function renderDocstring(lines: string[]): string[] {
  const escaped = lines.map((line) => line.replaceAll('"""', '\\"\\"\\"'));
  if (escaped.length === 0) return ["..."];
  const [first = "", ...rest] = escaped;
  // A closing quote right after a `"` would read as `""""`, so such a docstring gets its own closing line.
  if (rest.length === 0 && !first.endsWith('"') && !first.endsWith("\\")) return [`"""${first}"""`];
  return [`"""${first}`, ...rest, `"""`];
}
