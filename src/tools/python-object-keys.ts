/**
 * Python annotations can only say `dict` for a structured object, so the keys of object-typed
 * arguments and results are spelled out in the docstring instead:
 *
 *     address: Where to deliver. A dict with keys:
 *         street (str): Street and number.
 *         zip (str, optional): Postal code.
 */
import { descriptionLines, indent } from "./description-lines.js";
import {
  alternativesOf,
  child,
  defaultOf,
  dereference,
  descriptionOf,
  hasProperties,
  typesOf,
  type SchemaInContext,
} from "./json-schema.js";
import { pythonLiteral, pythonTypeOf } from "./python-type.js";

// Deeper structures are rare in tool arguments and would drown the docstring.
const MAXIMUM_DEPTH = 3;

/** An object schema found in an argument, and the sentence that introduces its keys. */
interface ObjectShape {
  readonly node: SchemaInContext;
  readonly introduction: string;
}

/**
 * Lines introducing and listing the keys of an object-typed schema (or a list of objects), or
 * nothing when the schema has no named keys. `depth` counts enclosing objects.
 */
export function objectKeyLines(node: SchemaInContext, depth = 0): { introduction: string; lines: string[] } | undefined {
  if (depth >= MAXIMUM_DEPTH) return undefined;
  const shape = findObjectShape(node);
  if (shape === undefined) return undefined;
  const schema = shape.node.schema;
  if (!hasProperties(schema)) return undefined;
  const required = new Set(schema.required ?? []);
  const lines = Object.entries(schema.properties).flatMap(([key, keySchema]) =>
    keyLines(key, child(shape.node, keySchema), required.has(key), depth),
  );
  return { introduction: shape.introduction, lines };
}

function keyLines(key: string, node: SchemaInContext, required: boolean, depth: number): string[] {
  const qualifiers = [pythonTypeOf(node)];
  const fallback = defaultOf(node.schema);
  if (fallback !== undefined) qualifiers.push(`default ${pythonLiteral(fallback.value)}`);
  else if (!required) qualifiers.push("optional");
  const head = `${key} (${qualifiers.join(", ")})`;
  const description = descriptionLines(descriptionOf(node.schema) ?? "");
  const nested = objectKeyLines(node, depth + 1);
  const text = nested === undefined ? description : appendSentence(description, nested.introduction);
  const [first, ...rest] = text;
  return [
    first === undefined ? head : `${head}: ${first}`,
    ...indent(rest, "    "),
    ...indent(nested?.lines ?? [], "    "),
  ];
}

/** Adds a sentence after the last line of a description (or as its only line). */
export function appendSentence(lines: string[], sentence: string): string[] {
  const last = lines[lines.length - 1];
  if (last === undefined) return [sentence];
  return [...lines.slice(0, -1), `${last} ${sentence}`];
}

function findObjectShape(node: SchemaInContext): ObjectShape | undefined {
  const resolved = dereference(node);
  if (resolved === undefined || typeof resolved.schema === "boolean") return undefined;
  const schema = resolved.schema;
  if (hasProperties(schema)) return { node: resolved, introduction: "A dict with keys:" };
  const alternatives = alternativesOf(schema);
  if (alternatives !== undefined) {
    // Only `X | None` is described: listing the keys of several alternative shapes reads as one.
    const nonNull = alternatives.filter((alternative) => !isNullSchema(child(resolved, alternative)));
    const [only] = nonNull;
    return nonNull.length === 1 && only !== undefined ? findObjectShape(child(resolved, only)) : undefined;
  }
  const isArray = typesOf(schema).includes("array") || schema.items !== undefined;
  if (isArray && typeof schema.items === "object" && schema.items !== null) {
    const itemShape = findObjectShape(child(resolved, schema.items));
    if (itemShape !== undefined) return { node: itemShape.node, introduction: "Each item is a dict with keys:" };
  }
  return undefined;
}

function isNullSchema(node: SchemaInContext): boolean {
  const resolved = dereference(node);
  if (resolved === undefined || typeof resolved.schema === "boolean") return false;
  const types = typesOf(resolved.schema);
  return (types.length === 1 && types[0] === "null") || resolved.schema.const === null;
}
