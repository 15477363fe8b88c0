/**
 * JSON Schema -> the TypeScript-flavoured type expressions JSDoc uses, as the model reads them.
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
import { isIdentifier } from "./identifiers.js";

/** The JSDoc type for a schema, e.g. `string[]`, `"c" | "f"`, `{ street: string, zip?: string }`. */
export function renderJavaScriptType(schema: JsonSchema, root: JsonSchema = schema): string {
  return javaScriptTypeOf(inContext(schema, root));
}

/** Like {@link renderJavaScriptType} for a schema that sits inside a larger document. */
export function javaScriptTypeOf(node: SchemaInContext): string {
  return joinUnion(javaScriptAlternatives(node));
}

function javaScriptAlternatives(node: SchemaInContext): string[] {
  const resolved = dereference(node);
  if (resolved === undefined) return ["any"];
  const schema = resolved.schema;
  if (typeof schema === "boolean") return ["any"];
  const nullable = schema.nullable === true ? ["null"] : [];
  if ("const" in schema) return [javaScriptLiteral(schema.const), ...nullable];
  if (Array.isArray(schema.enum)) return [...schema.enum.map(javaScriptLiteral), ...nullable];
  const alternatives = alternativesOf(schema);
  if (alternatives !== undefined) {
    return [...alternatives.flatMap((alternative) => javaScriptAlternatives(child(resolved, alternative))), ...nullable];
  }
  const types = typesOf(schema);
  if (types.length > 1) {
    return [...types.flatMap((type) => javaScriptAlternatives(child(resolved, { ...schema, type }))), ...nullable];
  }
  return [javaScriptTypeForSingleType(resolved, types[0]), ...nullable];
}

function javaScriptTypeForSingleType(node: SchemaInContext, type: string | undefined): string {
  const schema = node.schema;
  if (typeof schema === "boolean") return "any";
  switch (type) {
    case "string":
      return "string";
    case "integer":
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array":
      return arrayType(node);
    case "object":
      return objectType(node);
    default:
      if (hasProperties(schema) || schema.additionalProperties !== undefined) return objectType(node);
      if (schema.items !== undefined || schema.prefixItems !== undefined) return arrayType(node);
      return "any";
  }
}

function arrayType(node: SchemaInContext): string {
  const schema = node.schema;
  if (typeof schema === "boolean") return "any[]";
  if (Array.isArray(schema.prefixItems)) {
    return `[${schema.prefixItems.map((item) => javaScriptTypeOf(child(node, item))).join(", ")}]`;
  }
  if (schema.items === undefined || typeof schema.items === "boolean") return "any[]";
  const item = javaScriptTypeOf(child(node, schema.items));
  return item.includes(" | ") ? `(${item})[]` : `${item}[]`;
}

function objectType(node: SchemaInContext): string {
  const schema = node.schema;
  if (typeof schema === "boolean") return "object";
  if (hasProperties(schema)) {
    const required = new Set(schema.required ?? []);
    const members = Object.entries(schema.properties).map(([key, value]) => {
      const name = isIdentifier(key) ? key : JSON.stringify(key);
      return `${name}${required.has(key) ? "" : "?"}: ${javaScriptTypeOf(child(node, value))}`;
    });
    return members.length === 0 ? "{}" : `{ ${members.join(", ")} }`;
  }
  const values = schema.additionalProperties;
  if (typeof values === "object" && values !== null && Object.keys(values).length > 0) {
    return `Record<string, ${javaScriptTypeOf(child(node, values))}>`;
  }
  return "object";
}

function joinUnion(alternatives: string[]): string {
  const unique = [...new Set(alternatives)];
  if (unique.length === 0 || unique.includes("any")) return "any";
  const withoutNull = unique.filter((alternative) => alternative !== "null");
  return [...withoutNull, ...(withoutNull.length < unique.length ? ["null"] : [])].join(" | ");
}

/** A JSON value as a JavaScript literal (JSON is already valid JavaScript). */
export function javaScriptLiteral(value: unknown): string {
  return value === undefined ? "undefined" : JSON.stringify(value);
}
