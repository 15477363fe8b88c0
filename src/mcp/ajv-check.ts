/**
 * JSON Schema validation of tool arguments with Ajv, the validator the MCP SDK itself uses (and
 * configured the same way: lenient about unknown keywords and `$schema` dialects, so a server's
 * schema never stops its tool from loading). Loaded only when an MCP client connects.
 */
import type { JsonSchemaObject } from "../tools/json-schema.js";
import type { ArgumentsCheck, ArgumentsCheckFactory, SchemaIssue } from "./json-schema-arguments.js";

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}
interface AjvValidate {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}
interface AjvInstance {
  compile(schema: object): AjvValidate;
}

/** Loads Ajv and returns a factory of argument checks. */
export async function loadAjvCheckFactory(): Promise<ArgumentsCheckFactory> {
  const ajvModule = (await import("ajv")) as unknown as { default: new (options: object) => AjvInstance };
  const formatsModule = (await import("ajv-formats")) as unknown as { default: (ajv: AjvInstance) => void };
  const ajv = new ajvModule.default({ strict: false, validateSchema: false, allErrors: true });
  formatsModule.default(ajv);
  return (schema) => compileCheck(ajv, schema);
}

function compileCheck(ajv: AjvInstance, schema: JsonSchemaObject): ArgumentsCheck {
  let validate: AjvValidate;
  try {
    validate = ajv.compile(schema);
  } catch {
    // A schema Ajv cannot compile (a dangling $ref, say) still leaves the server to validate.
    return () => [];
  }
  return (args) => (validate(args) ? [] : (validate.errors ?? []).map(issueOf));
}

function issueOf(error: AjvError): SchemaIssue {
  const path = error.instancePath
    .split("/")
    .slice(1)
    .map((segment) => segment.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
  if (error.keyword === "required") {
    // Reported where the key is missing, so the message names the argument (or nested key).
    return { path: [...path, String(error.params["missingProperty"])], message: "is required but missing" };
  }
  if (error.keyword === "additionalProperties") {
    return { path, message: `unexpected key ${JSON.stringify(error.params["additionalProperty"])}` };
  }
  if (error.keyword === "enum") {
    const allowed = (error.params["allowedValues"] as unknown[] | undefined) ?? [];
    return { path, message: `must be one of ${allowed.map((value) => JSON.stringify(value)).join(", ")}` };
  }
  return { path, message: error.message ?? `fails the schema's "${error.keyword}" rule` };
}
