/**
 * The zod schemas a tool is defined with: recognised by shape rather than `instanceof`, so that a
 * schema made by another copy of zod 4 (zod 3.25's `zod/v4`, a second install) works, and turned
 * into the JSON Schema that stubs and argument binding read. A schema from zod 3 cannot work (it
 * has none of zod 4's internals), so it is refused with a message that says what to install.
 */
import { z } from "zod";

import { ToolDefinitionError } from "../errors.js";
import type { JsonSchema } from "./json-schema.js";

/** Any zod object schema, whatever its unknown-key policy (`z.object`, `z.strictObject`, ...). */
export type ObjectSchema = z.ZodObject<z.core.$ZodShape, z.core.$ZodObjectConfig>;

const OUR_VERSION = `${z.core.version.major}.${z.core.version.minor}.${z.core.version.patch}`;

/** True for a zod 4 schema, from any copy of zod 4. */
export function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === "object" && value !== null && "_zod" in value;
}

/** True for a zod 4 object schema, from any copy of zod 4. */
export function isZodObject(value: unknown): value is ObjectSchema {
  return isZodSchema(value) && (value as { _zod: { def: { type: string } } })._zod.def.type === "object";
}

/**
 * Throws {@link ToolDefinitionError} when `value` is a schema from zod 3, naming the version and
 * what to do; anything else is left to the caller's own checks.
 */
export function refuseZod3(toolName: string, field: string, value: unknown): void {
  const isZod3 = typeof value === "object" && value !== null && "_def" in value && !("_zod" in value);
  if (!isZod3) return;
  throw new ToolDefinitionError(
    `Tool "${toolName}": ${field} comes from zod 3, and codeagent needs zod 4 schemas (it uses zod ${OUR_VERSION}). ` +
      `Install zod 4 in your project (npm install zod@^4), or, with zod 3.25 or later, import { z } from "zod/v4".`,
  );
}

/** The JSON Schema of a tool's `inputSchema` or `outputSchema`. */
export function toJsonSchema(toolName: string, field: string, schema: z.ZodType, io: "input" | "output"): JsonSchema {
  try {
    // Values JSON cannot describe (dates, functions, ...) render as "any" instead of failing the
    // whole tool: validation still uses the zod schema, so nothing is lost but a type hint.
    const { $schema: _dialect, ...jsonSchema } = z.toJSONSchema(schema, { io, unrepresentable: "any", override: keepOwnDescription }) as Record<string, unknown>;
    return jsonSchema;
  } catch (error) {
    const version = versionOf(schema);
    const copy = version !== undefined && version !== OUR_VERSION ? ` It was made with zod ${version}, and codeagent uses zod ${OUR_VERSION}: give both the same zod.` : "";
    throw new ToolDefinitionError(
      `Tool "${toolName}": ${field} cannot be converted to JSON Schema (${(error as Error).message}). Simplify the schema so the model can be shown its type.${copy}`,
      { cause: error },
    );
  }
}

/**
 * `.describe()` stores a description in the registry of the zod copy that made the schema, which
 * our copy's converter does not read; the schema's own `description` getter does.
 */
function keepOwnDescription(context: { zodSchema: unknown; jsonSchema: Record<string, unknown> }): void {
  const description = (context.zodSchema as { description?: unknown }).description;
  if (typeof description === "string" && context.jsonSchema.description === undefined) context.jsonSchema.description = description;
}

function versionOf(schema: z.ZodType): string | undefined {
  const version = (schema as { _zod: { version?: { major: number; minor: number; patch: number } } })._zod.version;
  return version ? `${version.major}.${version.minor}.${version.patch}` : undefined;
}
