/**
 * The small slice of JSON Schema that tool rendering and argument binding read. Tools defined with
 * zod and tools defined from a raw JSON Schema (MCP servers) both end up here, so the stubs and the
 * argument rules behave the same for both.
 */

/** A JSON Schema: `true`/`false` or a schema object. */
export type JsonSchema = boolean | JsonSchemaObject;

/** The JSON Schema keywords codeagent reads; any other keyword is kept and ignored. */
export interface JsonSchemaObject {
  type?: string | string[];
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  nullable?: boolean;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
  [keyword: string]: unknown;
}

/** A schema and the document it came from, so `$ref`s inside it can be followed. */
export interface SchemaInContext {
  readonly schema: JsonSchema;
  readonly root: JsonSchema;
  /** References already followed on the way here; following one again would loop forever. */
  readonly followed: ReadonlySet<string>;
}

/** Wraps a top-level schema so that its own `$ref`s resolve against it. */
export function inContext(schema: JsonSchema, root: JsonSchema = schema): SchemaInContext {
  return { schema, root, followed: new Set() };
}

/** The same document, one level down. */
export function child(parent: SchemaInContext, schema: JsonSchema): SchemaInContext {
  return { schema, root: parent.root, followed: parent.followed };
}

/**
 * Follows `$ref` (local references only: `#`, `#/$defs/...`, `#/definitions/...`). Returns
 * undefined for a reference that cannot be resolved. A reference back into itself (a recursive
 * type) resolves to just the target's `type`, so a tree of nodes renders as `list[dict]`, not forever.
 */
export function dereference(node: SchemaInContext): SchemaInContext | undefined {
  let current = node;
  while (typeof current.schema === "object" && typeof current.schema.$ref === "string") {
    const reference = current.schema.$ref;
    const target = resolvePointer(current.root, reference);
    if (target === undefined) return undefined;
    if (current.followed.has(reference)) {
      const type = typeof target === "object" ? target.type : undefined;
      return { ...current, schema: type === undefined ? true : { type } };
    }
    current = { schema: target, root: current.root, followed: new Set([...current.followed, reference]) };
  }
  return current;
}

function resolvePointer(root: JsonSchema, reference: string): JsonSchema | undefined {
  if (!reference.startsWith("#")) return undefined;
  const segments = reference
    .slice(1)
    .split("/")
    .filter((segment) => segment !== "")
    .map((segment) => decodeURIComponent(segment).replaceAll("~1", "/").replaceAll("~0", "~"));
  let current: unknown = root;
  for (const segment of segments) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return typeof current === "boolean" || (typeof current === "object" && current !== null)
    ? (current as JsonSchema)
    : undefined;
}

/** The alternatives of an `anyOf`/`oneOf` (or a one-member `allOf`), or undefined if there are none. */
export function alternativesOf(schema: JsonSchemaObject): JsonSchema[] | undefined {
  if (Array.isArray(schema.anyOf)) return schema.anyOf;
  if (Array.isArray(schema.oneOf)) return schema.oneOf;
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1) return schema.allOf;
  return undefined;
}

/** The listed types of a schema (`type: "x"` or `type: ["x", "null"]`). */
export function typesOf(schema: JsonSchemaObject): string[] {
  if (typeof schema.type === "string") return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((type) => typeof type === "string");
  return [];
}

/**
 * A schema's description. zod puts the description of `.describe("x").nullable()` inside the
 * non-null alternative, so alternatives are searched too.
 */
export function descriptionOf(schema: JsonSchema): string | undefined {
  return findInAlternatives(schema, (node) => (typeof node.description === "string" ? node.description : undefined));
}

/** A schema's default value, searched in alternatives for the same reason as descriptions. */
export function defaultOf(schema: JsonSchema): { value: unknown } | undefined {
  return findInAlternatives(schema, (node) => ("default" in node ? { value: node.default } : undefined));
}

function findInAlternatives<T>(schema: JsonSchema, read: (node: JsonSchemaObject) => T | undefined): T | undefined {
  if (typeof schema !== "object") return undefined;
  const own = read(schema);
  if (own !== undefined) return own;
  for (const alternative of alternativesOf(schema) ?? []) {
    const found = typeof alternative === "object" ? read(alternative) : undefined;
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Whether a value of the given JSON type (e.g. "null", "object") could satisfy the schema. */
export function mayBeOfType(node: SchemaInContext, jsonType: string): boolean {
  const resolved = dereference(node);
  if (resolved === undefined) return true;
  const schema = resolved.schema;
  if (typeof schema === "boolean") return schema;
  if (jsonType === "null" && schema.nullable === true) return true;
  if ("const" in schema) return jsonTypeOf(schema.const) === jsonType;
  if (Array.isArray(schema.enum)) return schema.enum.some((value) => jsonTypeOf(value) === jsonType);
  const alternatives = alternativesOf(schema);
  if (alternatives !== undefined) {
    return alternatives.some((alternative) => mayBeOfType(child(resolved, alternative), jsonType));
  }
  const types = typesOf(schema);
  if (types.length === 0) return true;
  return types.some((type) => type === jsonType || (type === "integer" && jsonType === "number"));
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** True when a schema object describes an object with named properties. */
export function hasProperties(
  schema: JsonSchema,
): schema is JsonSchemaObject & { properties: Record<string, JsonSchema> } {
  return typeof schema === "object" && typeof schema.properties === "object" && schema.properties !== null;
}
