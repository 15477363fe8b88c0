/**
 * Names of types and values in the vocabulary of the language the model is writing, so an error
 * reads `expected str, got int` to Python code and `expected string, got number` to JavaScript.
 */
import { pythonLiteral } from "./python-type.js";

/** The language of the sandbox code that called a tool. */
export type CallingLanguage = "python" | "javascript";

/** The type of a value that crossed from the sandbox, named as the calling language names it. */
export function valueTypeName(value: unknown, language: CallingLanguage): string {
  if (language === "javascript") {
    if (value === null) return "null";
    if (Array.isArray(value)) return "array";
    return typeof value;
  }
  if (value === null || value === undefined) return "None";
  if (Array.isArray(value)) return "list";
  switch (typeof value) {
    case "string":
      return "str";
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return Number.isInteger(value) ? "int" : "float";
    case "object":
      return "dict";
    case "function":
      return "function";
    default:
      return typeof value;
  }
}

// zod's names for expected types (`issue.expected`), per language.
const PYTHON_NAMES: Record<string, string> = {
  string: "str",
  number: "float",
  int: "int",
  bigint: "int",
  boolean: "bool",
  array: "list",
  tuple: "tuple",
  object: "dict",
  record: "dict",
  map: "dict",
  set: "set",
  null: "None",
  undefined: "None",
  void: "None",
  nan: "float",
  date: "date",
  function: "function",
  nonoptional: "a value",
};

const JAVASCRIPT_NAMES: Record<string, string> = {
  int: "integer",
  record: "object",
  map: "Map",
  set: "Set",
  tuple: "array",
  date: "Date",
  nan: "NaN",
  nonoptional: "a value",
};

/** A type name as zod reports it in `issue.expected`, in the calling language's words. */
export function expectedTypeName(expected: string, language: CallingLanguage): string {
  const names = language === "python" ? PYTHON_NAMES : JAVASCRIPT_NAMES;
  return names[expected] ?? expected;
}

// Long values are cut: the message should name the problem, not echo a whole document back.
const MAXIMUM_LITERAL_LENGTH = 60;

/** A short literal for a value, as it would be written in the calling language. */
export function valueLiteral(value: unknown, language: CallingLanguage): string {
  let text: string;
  try {
    text = language === "python" ? pythonLiteral(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > MAXIMUM_LITERAL_LENGTH ? `${text.slice(0, MAXIMUM_LITERAL_LENGTH - 3)}...` : text;
}
