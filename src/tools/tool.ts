import type { z } from "zod";

import { ToolDefinitionError } from "../errors.js";
import { checkDescription, checkExecute, checkParameterSchema, checkToolName } from "./definition-checks.js";
import type { JsonSchema, JsonSchemaObject } from "./json-schema.js";
import { isZodObject, isZodSchema, refuseZod3, toJsonSchema, type ObjectSchema } from "./zod-schemas.js";

export type { ObjectSchema } from "./zod-schemas.js";

/**
 * What a tool's `execute` receives besides its arguments. Kept small on purpose: fields are added
 * here (never as extra positional parameters) so existing tools keep working.
 */
export interface ToolContext {
  /** Aborted when the run is cancelled; pass it on to `fetch` and other long operations. */
  readonly signal?: AbortSignal;
}

/**
 * A function the model's code can call. Inside the sandbox it is a plain synchronous function;
 * outside, `execute` runs on the host with validated arguments.
 *
 * `parameters` (and `returns`) are JSON Schema and are what stubs and argument binding read, so a
 * tool without zod schemas (see {@link toolFromJsonSchema}) behaves the same way.
 */
export interface Tool<ARGUMENTS = Record<string, unknown>, RESULT = unknown> {
  /** The function name in the sandbox: a Python and JavaScript identifier. */
  readonly name: string;
  /** Shown to the model as the docstring; say what the tool does and when to use it. */
  readonly description: string;
  /** The zod schema arguments are validated with; absent for tools built from JSON Schema. */
  readonly inputSchema?: ObjectSchema;
  /** The zod schema the result is validated with, when the tool declares one. */
  readonly outputSchema?: z.ZodType;
  /** JSON Schema of the arguments object: an object schema whose properties are the parameters. */
  readonly parameters: JsonSchemaObject;
  /** JSON Schema of the result, shown to the model as the return type; absent means "any". */
  readonly returns?: JsonSchema;
  /** Does the work. May be sync or async; a throw reaches the model's code as an exception. */
  execute(args: ARGUMENTS, context: ToolContext): Promise<RESULT> | RESULT;
  /**
   * Whether a call must be approved before it runs: always, or as a function of the (validated)
   * arguments. The agent's `onApproval` decides; a refusal is an error the model's code sees.
   */
  readonly needsApproval?: NeedsApproval<ARGUMENTS>;
}

/** `true` when every call needs approval, or a function that decides per call from its arguments. */
// Written as a method type so a Tool<{ city: string }> still fits where a Tool is expected.
export type NeedsApproval<ARGUMENTS = Record<string, unknown>> = boolean | { decide(args: ARGUMENTS): boolean | Promise<boolean> }["decide"];

/** The definition given to {@link tool}. */
export interface ToolDefinition<INPUT extends ObjectSchema, OUTPUT extends z.ZodType> {
  /** The function name in the sandbox: a Python and JavaScript identifier, not `final_answer`. */
  name: string;
  /** Shown to the model as the docstring. */
  description: string;
  /** A zod object; each property is a parameter. Use `.describe()` to document parameters. */
  inputSchema: INPUT;
  /** Validates the result and is shown to the model as the return type. */
  outputSchema?: OUTPUT;
  /** Receives the parsed arguments (defaults applied); may be sync or async. */
  execute(args: z.output<INPUT>, context: ToolContext): Promise<z.input<OUTPUT>> | z.input<OUTPUT>;
  /** Ask the agent's `onApproval` before each call (or those the function picks). Default: never. */
  needsApproval?: NeedsApproval<z.output<INPUT>>;
}

/**
 * Defines a tool from zod schemas. Throws {@link ToolDefinitionError} when the name is not usable
 * as a function name in Python and JavaScript, or when `inputSchema` is not a zod object.
 *
 * @example
 * const getWeather = tool({
 *   name: "get_weather",
 *   description: "Current weather for a city.",
 *   inputSchema: z.object({ city: z.string().describe("City name, e.g. 'Paris'") }),
 *   outputSchema: z.string(),
 *   execute: async ({ city }) => `Sunny in ${city}`,
 * });
 */
export function tool<INPUT extends ObjectSchema, OUTPUT extends z.ZodType = z.ZodUnknown>(
  definition: ToolDefinition<INPUT, OUTPUT>,
): Tool<z.output<INPUT>, z.input<OUTPUT>> {
  checkToolName(definition.name);
  checkDescription(definition.name, definition.description);
  refuseZod3(definition.name, "inputSchema", definition.inputSchema);
  refuseZod3(definition.name, "outputSchema", definition.outputSchema);
  if (!isZodObject(definition.inputSchema)) {
    throw new ToolDefinitionError(
      `Tool "${definition.name}": inputSchema must be a zod object schema, e.g. z.object({ city: z.string() }). ` +
        `Wrap a single value in an object to give the argument a name.`,
    );
  }
  if (definition.outputSchema !== undefined && !isZodSchema(definition.outputSchema)) {
    throw new ToolDefinitionError(
      `Tool "${definition.name}": outputSchema must be a zod schema such as z.string(), or left out.`,
    );
  }
  checkExecute(definition.name, definition.execute);
  checkNeedsApproval(definition.name, definition.needsApproval);
  const parameters = toJsonSchema(definition.name, "inputSchema", definition.inputSchema, "input") as JsonSchemaObject;
  const outputSchema = definition.outputSchema;
  return Object.freeze({
    name: definition.name,
    description: definition.description,
    inputSchema: definition.inputSchema,
    parameters,
    ...(outputSchema === undefined
      ? {}
      : { outputSchema, returns: toJsonSchema(definition.name, "outputSchema", outputSchema, "output") }),
    execute: definition.execute,
    ...(definition.needsApproval === undefined ? {} : { needsApproval: definition.needsApproval }),
  });
}

/** The definition given to {@link toolFromJsonSchema}. */
export interface JsonSchemaToolDefinition {
  /** The function name in the sandbox: a Python and JavaScript identifier, not `final_answer`. */
  name: string;
  /** Shown to the model as the docstring; may be empty. */
  description: string;
  /** JSON Schema of the arguments object (`{ type: "object", properties, required }`). */
  parameters: JsonSchemaObject;
  /** JSON Schema of the result, shown to the model as the return type. */
  returns?: JsonSchema;
  execute(args: Record<string, unknown>, context: ToolContext): Promise<unknown> | unknown;
  /** Ask the agent's `onApproval` before each call (or those the function picks). Default: never. */
  needsApproval?: NeedsApproval;
}

/**
 * Defines a tool from a JSON Schema, for tools that come from elsewhere (MCP servers, other
 * frameworks). Arguments are only checked structurally (required ones present, no unknown ones);
 * the tool is expected to validate the rest itself. Results are not validated.
 */
export function toolFromJsonSchema(definition: JsonSchemaToolDefinition): Tool {
  checkToolName(definition.name);
  // Descriptions are optional in MCP, so an empty one is accepted here (but it must be a string).
  checkDescription(definition.name, definition.description, { allowEmpty: true });
  checkParameterSchema(definition.name, definition.parameters);
  checkExecute(definition.name, definition.execute);
  checkNeedsApproval(definition.name, definition.needsApproval);
  return Object.freeze({
    name: definition.name,
    description: definition.description,
    parameters: definition.parameters,
    ...(definition.returns === undefined ? {} : { returns: definition.returns }),
    execute: definition.execute,
    ...(definition.needsApproval === undefined ? {} : { needsApproval: definition.needsApproval }),
  });
}

function checkNeedsApproval(name: string, needsApproval: unknown): void {
  if (needsApproval === undefined || typeof needsApproval === "boolean" || typeof needsApproval === "function") return;
  throw new ToolDefinitionError(
    `Tool "${name}": needsApproval must be true, false, or a function of the arguments that returns a boolean.`,
  );
}
