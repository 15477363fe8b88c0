/**
 * How the model sees a tool when it writes JavaScript: a JSDoc comment over a function that takes
 * one object of named arguments.
 *
 *     /**
 *      * Current weather for a city.
 *      * @param {object} args
 *      * @param {string} args.city - City name, e.g. 'Paris'
 *      * @param {"c" | "f"} [args.unit="c"] - Temperature unit.
 *      * @returns {string}
 *      *\/
 *     function get_weather({ city, unit }) {}
 *
 * The sandbox also accepts positional calls in {@link toolParameterOrder}: `get_weather("Paris")`.
 */
import { descriptionLines } from "./description-lines.js";
import { isIdentifier, isJavaScriptReservedWord } from "./identifiers.js";
import { defaultOf, descriptionOf, inContext, type JsonSchema } from "./json-schema.js";
import { javaScriptLiteral, renderJavaScriptType } from "./javascript-type.js";
import type { Tool } from "./tool.js";
import { acceptsExtraArguments, toolParameters, type ToolParameter } from "./tool-parameters.js";

/** The JavaScript stub of a tool: a JSDoc comment and an empty function declaration. */
export function renderJavaScriptStub(tool: Pick<Tool, "name" | "description" | "parameters" | "returns">): string {
  const parameters = toolParameters(tool);
  const tags =
    parameters.length === 0
      ? []
      : [
          "@param {object} args",
          ...parameters.flatMap((parameter) => parameterTag(parameter, tool.parameters)),
        ];
  const returnType = tool.returns === undefined ? "any" : renderJavaScriptType(tool.returns);
  const returnDescription = tool.returns === undefined ? [] : descriptionLines(descriptionOf(tool.returns) ?? "");
  const comment = [
    ...descriptionLines(tool.description),
    ...tags,
    ...withLead(`@returns {${returnType}}`, " ", returnDescription),
  ];
  return [renderComment(comment), `function ${tool.name}(${renderArgumentPattern(tool, parameters)}) {}`].join("\n");
}

function parameterTag(parameter: ToolParameter, root: JsonSchema): string[] {
  const type = renderJavaScriptType(parameter.schema, root);
  const path = isIdentifier(parameter.name) ? `args.${parameter.name}` : `args[${JSON.stringify(parameter.name)}]`;
  const fallback = defaultOf(parameter.schema);
  const name = parameter.required
    ? path
    : fallback === undefined
      ? `[${path}]`
      : `[${path}=${javaScriptLiteral(fallback.value)}]`;
  return withLead(`@param {${type}} ${name}`, " - ", descriptionLines(descriptionOf(parameter.schema) ?? ""));
}

/** `{ city, unit }` when every name can be a binding; otherwise the plain `args` the tags refer to. */
function renderArgumentPattern(tool: Pick<Tool, "parameters">, parameters: ToolParameter[]): string {
  if (parameters.length === 0 && !acceptsExtraArguments(tool)) return "";
  const bindable = parameters.every(
    (parameter) => isIdentifier(parameter.name) && !isJavaScriptReservedWord(parameter.name),
  );
  if (!bindable) return "args";
  const names = parameters.map((parameter) => parameter.name);
  if (acceptsExtraArguments(tool)) names.push("...others");
  return `{ ${names.join(", ")} }`;
}

// Puts the first description line after the tag; later lines are indented under it.
function withLead(tag: string, separator: string, description: string[]): string[] {
  const [first, ...rest] = description;
  if (first === undefined) return [tag];
  return [`${tag}${separator}${first}`, ...rest.map((line) => (line === "" ? "" : `  ${line}`))];
}

function renderComment(lines: string[]): string {
  // `*/` inside the text would close the comment early.
  const body = lines.map((line) => line.replaceAll("*/", "*\\/")).map((line) => (line === "" ? " *" : ` * ${line}`));
  return ["/**", ...body, " */"].join("\n");
}
