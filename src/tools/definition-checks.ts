/**
 * Checks run once, when a tool is defined, so a bad definition fails in the author's code and not
 * halfway through an agent run.
 */
import { ToolDefinitionError } from "../errors.js";
import { isIdentifier, isJavaScriptReservedWord, isPythonKeyword } from "./identifiers.js";
import type { JsonSchemaObject } from "./json-schema.js";
import { isJavaScriptGlobal, isPythonBuiltin } from "./sandbox-globals.js";

/** The function every agent provides itself; a tool may not take its name. */
export const FINAL_ANSWER_TOOL_NAME = "final_answer";

/**
 * Throws {@link ToolDefinitionError} unless `name` can be a function name in Python and JavaScript
 * without taking the place of a keyword, a built-in or a global the sandbox relies on.
 */
export function checkToolName(name: unknown): asserts name is string {
  if (typeof name !== "string" || !isIdentifier(name)) {
    const suggestion = typeof name === "string" ? suggestName(name) : "my_tool";
    throw new ToolDefinitionError(
      `Tool name ${JSON.stringify(name)} is not a valid Python and JavaScript identifier. ` +
        `Use ASCII letters, digits and underscores, not starting with a digit, e.g. "${suggestion}".`,
    );
  }
  if (name === FINAL_ANSWER_TOOL_NAME) {
    throw new ToolDefinitionError(
      `Tool name "${FINAL_ANSWER_TOOL_NAME}" is reserved: every agent already has a ${FINAL_ANSWER_TOOL_NAME} ` +
        `function that ends the run. Choose another name; use finalAnswerChecks to inspect final answers.`,
    );
  }
  if (isPythonKeyword(name) || isJavaScriptReservedWord(name)) {
    const language = isPythonKeyword(name) ? "Python" : "JavaScript";
    throw new ToolDefinitionError(
      `Tool name "${name}" is a reserved word in ${language} and cannot name a function. ` +
        `Choose another name, e.g. "${name}_tool".`,
    );
  }
  if (isPythonBuiltin(name) || isJavaScriptGlobal(name)) {
    const what = isPythonBuiltin(name) ? "a Python built-in" : "a JavaScript global";
    throw new ToolDefinitionError(
      `Tool name "${name}" is ${what}: the tool would replace it in the sandbox, and code calling ${name} would call the tool instead. ` +
        `Choose another name, e.g. "${name.replace(/^_+|_+$/g, "")}_tool".`,
    );
  }
}

/** Throws unless the description is a non-empty string: it is all the model knows about the tool. */
export function checkDescription(name: string, description: unknown, options: { allowEmpty?: boolean } = {}): void {
  if (typeof description !== "string" || (description.trim() === "" && options.allowEmpty !== true)) {
    throw new ToolDefinitionError(
      `Tool "${name}" needs a description: the model reads it to decide when and how to call the tool.`,
    );
  }
}

/** Throws unless `execute` is a function. */
export function checkExecute(name: string, execute: unknown): void {
  if (typeof execute !== "function") {
    throw new ToolDefinitionError(`Tool "${name}" needs an execute function that does the tool's work.`);
  }
}

/** Throws unless `parameters` is a JSON Schema describing an object of named arguments. */
export function checkParameterSchema(name: string, parameters: unknown): void {
  const schema = parameters as JsonSchemaObject;
  const isObjectSchema =
    typeof parameters === "object" &&
    parameters !== null &&
    !Array.isArray(parameters) &&
    (schema.type === "object" || (schema.type === undefined && typeof schema.properties === "object"));
  if (!isObjectSchema) {
    throw new ToolDefinitionError(
      `Tool "${name}": parameters must be a JSON Schema of an object, e.g. ` +
        `{ type: "object", properties: { city: { type: "string" } }, required: ["city"] }.`,
    );
  }
  const required: unknown = schema.required;
  if (required !== undefined && !(Array.isArray(required) && required.every((key) => typeof key === "string"))) {
    throw new ToolDefinitionError(`Tool "${name}": parameters.required must be an array of property names.`);
  }
}

function suggestName(name: string): string {
  const cleaned = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toLowerCase();
  if (cleaned === "") return "my_tool";
  return /^[0-9]/.test(cleaned) ? `tool_${cleaned}` : cleaned;
}
