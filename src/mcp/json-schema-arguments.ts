/**
 * A tool made from a JSON Schema whose arguments are validated against that schema before the
 * tool runs. `toolFromJsonSchema` only checks the shape of a call (required arguments present, no
 * unknown ones); MCP servers declare full JSON Schemas, and a call that breaks one should fail in
 * the model's code with a message naming the argument, not as a confusing error from the server.
 *
 * The check is a zod schema that accepts any object and reports the JSON Schema validator's
 * findings as zod issues, so `invokeTool` words them like the errors of a zod-defined tool.
 */
import { z } from "zod";

import type { JsonSchemaObject } from "../tools/json-schema.js";
import { toolFromJsonSchema, type JsonSchemaToolDefinition, type ObjectSchema, type Tool } from "../tools/tool.js";

/** One way the arguments break the schema: where (a path into the arguments object) and why. */
export interface SchemaIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Checks an arguments object against a schema; returns no issues when it is valid. */
export type ArgumentsCheck = (args: Record<string, unknown>) => readonly SchemaIssue[];

/** Builds a check for a JSON Schema; supplied by whoever holds a JSON Schema validator. */
export type ArgumentsCheckFactory = (schema: JsonSchemaObject) => ArgumentsCheck;

/**
 * Defines a tool from JSON Schema, like `toolFromJsonSchema`, whose arguments are validated with
 * `check` before `execute` runs (a failure is a `ToolArgumentError` in the model's code).
 */
export function validatedJsonSchemaTool(definition: JsonSchemaToolDefinition & { check: ArgumentsCheck }): Tool {
  const { check, ...rest } = definition;
  const base = toolFromJsonSchema(rest);
  const inputSchema: ObjectSchema = z.looseObject({}).superRefine((args, context) => {
    for (const issue of check(args)) context.addIssue({ code: "custom", path: [...issue.path], message: issue.message });
  });
  return Object.freeze({ ...base, inputSchema });
}
