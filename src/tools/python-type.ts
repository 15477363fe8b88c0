/**
 * JSON Schema -> Python type annotations, as the model reads them in a stub.
 */
import {
  alternativesOf,
  child,
  dereference,
  hasProperties,
  inContext,
  typesOf,
  type JsonSchema,
  type SchemaInContext,
} from "./json-schema.js";

/** The Python annotation for a schema, e.g. `list[str]`, `Literal["c", "f"]`, `int | None`. */
export function renderPythonType(schema: JsonSchema, root: JsonSchema = schema): string {
  return pythonTypeOf(inContext(schema, root));
}

/** Like {@link renderPythonType} for a schema that sits inside a larger document. */
export function pythonTypeOf(node: SchemaInContext): string {
  return joinUnion(pythonAlternatives(node));
}

// Types are built as lists of alternatives so unions nest without duplicates or stray `Any`s.
function pythonAlternatives(node: SchemaInContext): string[] {
  const resolved = dereference(node);
  if (resolved === undefined) return ["Any"];
  const schema = resolved.schema;
  if (typeof schema === "boolean") return ["Any"];
  const nullable = schema.nullable === true ? ["None"] : [];
  if ("const" in schema) return [...literalAlternatives([schema.const]), ...nullable];
  if (Array.isArray(schema.enum)) return [...literalAlternatives(schema.enum), ...nullable];
  const alternatives = alternativesOf(schema);
  if (alternatives !== undefined) {
    return [...alternatives.flatMap((alternative) => pythonAlternatives(child(resolved, alternative))), ...nullable];
  }
  const types = typesOf(schema);
  if (types.length > 1) {
    return [...types.flatMap((type) => pythonAlternatives(child(resolved, { ...schema, type }))), ...nullable];
  }
  return [pythonTypeForSingleType(resolved, types[0]), ...nullable];
}

function pythonTypeForSingleType(node: SchemaInContext, type: string | undefined): string {
  const schema = node.schema;
  if (typeof schema === "boolean") return "Any";
  switch (type) {
    case "string":
      return "str";
    case "integer":
      return "int";
    case "number":
      return "float";
    case "boolean":
      return "bool";
    case "null":
      return "None";
    case "array":
      return arrayType(node);
    case "object":
      return objectType(node);
    default:
      if (hasProperties(schema) || schema.additionalProperties !== undefined) return objectType(node);
      if (schema.items !== undefined || schema.prefixItems !== undefined) return arrayType(node);
      return "Any";
  }
}

function arrayType(node: SchemaInContext): string {
  const schema = node.schema;
  if (typeof schema === "boolean") return "list";
  if (Array.isArray(schema.prefixItems)) {
    const members = schema.prefixItems.map((item) => pythonTypeOf(child(node, item)));
    return `tuple[${members.join(", ")}]`;
  }
  if (schema.items === undefined || typeof schema.items === "boolean") return "list";
  return `list[${pythonTypeOf(child(node, schema.items))}]`;
}

function objectType(node: SchemaInContext): string {
  const schema = node.schema;
  if (typeof schema === "boolean" || hasProperties(schema)) return "dict";
  const values = schema.additionalProperties;
  if (typeof values === "object" && values !== null && Object.keys(values).length > 0) {
    return `dict[str, ${pythonTypeOf(child(node, values))}]`;
  }
  return "dict";
}

// `Literal[None]` is legal but unusual; `Literal["a"] | None` is how people write it.
function literalAlternatives(values: unknown[]): string[] {
  const nonNull = values.filter((value) => value !== null);
  const literals = nonNull.length > 0 ? [`Literal[${nonNull.map(pythonLiteral).join(", ")}]`] : [];
  return values.length > nonNull.length ? [...literals, "None"] : literals;
}

function joinUnion(alternatives: string[]): string {
  const unique = [...new Set(mergeLiterals(alternatives))];
  if (unique.length === 0 || unique.includes("Any")) return "Any";
  // `None` last reads as "optional X", the way Python programmers write it.
  const withoutNone = unique.filter((alternative) => alternative !== "None");
  return [...withoutNone, ...(withoutNone.length < unique.length ? ["None"] : [])].join(" | ");
}

// `Literal["a"] | Literal["b"]` (a union of zod literals) reads better as `Literal["a", "b"]`.
function mergeLiterals(alternatives: string[]): string[] {
  const isLiteral = (alternative: string) => alternative.startsWith("Literal[");
  const members = alternatives.filter(isLiteral).map((alternative) => alternative.slice("Literal[".length, -1));
  if (members.length < 2) return alternatives;
  const firstLiteral = alternatives.findIndex(isLiteral);
  const others = alternatives.filter((alternative) => !isLiteral(alternative));
  return [...others.slice(0, firstLiteral), `Literal[${[...new Set(members)].join(", ")}]`, ...others.slice(firstLiteral)];
}

/** A JSON value written as a Python literal: `None`, `True`, `"text"`, `[1, 2]`, `{"a": 1}`. */
export function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : `float("${value}")`;
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${pythonLiteral(item)}`);
    return `{${entries.join(", ")}}`;
  }
  return JSON.stringify(String(value));
}
