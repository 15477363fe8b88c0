/**
 * zod's default messages speak of JavaScript (`expected string, received number`). Tool errors are
 * read by the model's own code, so they are reworded in the calling language: `expected str, got int`.
 * Messages a tool author wrote into the schema (`z.string().min(1, "...")`) take precedence, as
 * zod gives schema-level messages priority over the per-parse map installed here.
 */
import type { z } from "zod";

import { expectedTypeName, valueLiteral, valueTypeName, type CallingLanguage } from "./type-names.js";

type RawIssue = z.core.$ZodRawIssue;

/** A zod error map producing messages in the vocabulary of `language`. */
export function issueMessages(language: CallingLanguage): z.core.$ZodErrorMap {
  return (issue) => messageFor(issue, language);
}

function messageFor(issue: RawIssue, language: CallingLanguage): string | undefined {
  const got = (value: unknown) => valueTypeName(value, language);
  const literal = (value: unknown) => valueLiteral(value, language);
  switch (issue.code) {
    case "invalid_type":
      if (issue.expected === "never") return "is not allowed here";
      return `expected ${expectedTypeName(issue.expected, language)}, got ${got(issue.input)}`;
    case "invalid_value":
      return issue.values.length === 1
        ? `expected ${literal(issue.values[0])}, got ${literal(issue.input)}`
        : `expected one of ${issue.values.map(literal).join(", ")}, got ${literal(issue.input)}`;
    case "invalid_union":
      return unionMessage(issue, language);
    case "too_small":
    case "too_big":
      return sizeMessage(issue, language);
    case "invalid_format":
      return formatMessage(issue, language);
    case "not_multiple_of":
      return `expected a multiple of ${issue.divisor}, got ${literal(issue.input)}`;
    case "unrecognized_keys":
      return `got unexpected ${plural(issue.keys.length, "key")} ${issue.keys.map((key) => JSON.stringify(key)).join(", ")}`;
    case "custom":
      return `invalid value ${literal(issue.input)}`;
    default:
      return undefined;
  }
}

function unionMessage(issue: RawIssue & { code: "invalid_union" }, language: CallingLanguage): string | undefined {
  const literal = (value: unknown) => valueLiteral(value, language);
  const got = valueTypeName(issue.input, language);
  // A discriminated union reports the whole object as input; the path already names the key.
  if (typeof issue.discriminator === "string" && Array.isArray(issue.options)) {
    const value = (issue.input as Record<string, unknown> | undefined)?.[issue.discriminator];
    return `expected one of ${issue.options.map(literal).join(", ")}, got ${literal(value)}`;
  }
  if (issue.errors.length === 0) return undefined;
  // Only alternatives that failed on the value itself (not deep inside it) say what was expected.
  const branches = issue.errors.map((branch) =>
    branch.length === 1 && branch[0]?.path.length === 0 ? branch[0] : undefined,
  );
  if (branches.every((branch) => branch?.code === "invalid_value")) {
    const values = branches.flatMap((branch) => (branch?.code === "invalid_value" ? branch.values : []));
    return `expected one of ${values.map(literal).join(", ")}, got ${literal(issue.input)}`;
  }
  // Each alternative that failed on the value's type contributes its expected type to the message.
  const expected = branches.map((branch) => {
    if (branch?.code === "invalid_type") return expectedTypeName(branch.expected, language);
    if (branch?.code === "invalid_value") return branch.values.map(literal).join(" | ");
    return undefined;
  });
  if (expected.every((name) => name !== undefined)) return `expected ${[...new Set(expected)].join(" | ")}, got ${got}`;
  return `got ${got}, which matches none of the allowed shapes`;
}

function sizeMessage(issue: RawIssue & { code: "too_small" | "too_big" }, language: CallingLanguage): string | undefined {
  const isMinimum = issue.code === "too_small";
  const limit = issue.code === "too_small" ? issue.minimum : issue.maximum;
  const input = issue.input;
  const bound = issue.exact ? "exactly" : isMinimum ? "at least" : "at most";
  const stringName = language === "python" ? "str" : "string";
  const listName = language === "python" ? "list" : "array";
  switch (issue.origin) {
    case "string":
      return `expected a ${stringName} of ${bound} ${plural(Number(limit), "character")}, got ${String(input).length}`;
    case "array":
    case "set":
      return (
        `expected a ${issue.origin === "set" ? "set" : listName} with ${bound} ` +
        `${plural(Number(limit), "item")}, got ${sizeOf(input)}`
      );
    case "number":
    case "int":
    case "bigint": {
      const operator = isMinimum ? (issue.inclusive ? ">=" : ">") : issue.inclusive ? "<=" : "<";
      return `expected a number ${operator} ${limit}, got ${valueLiteral(input, language)}`;
    }
    default:
      return undefined;
  }
}

function formatMessage(issue: RawIssue & { code: "invalid_format" }, language: CallingLanguage): string {
  const stringName = language === "python" ? "str" : "string";
  const got = valueLiteral(issue.input, language);
  const details = issue as Record<string, unknown>;
  switch (issue.format) {
    case "regex":
      return `expected a ${stringName} matching ${String(issue.pattern)}, got ${got}`;
    case "starts_with":
      return `expected a ${stringName} starting with ${valueLiteral(details.prefix, language)}, got ${got}`;
    case "ends_with":
      return `expected a ${stringName} ending with ${valueLiteral(details.suffix, language)}, got ${got}`;
    case "includes":
      return `expected a ${stringName} containing ${valueLiteral(details.includes, language)}, got ${got}`;
    default:
      return `expected a ${stringName} in ${issue.format} format, got ${got}`;
  }
}

function sizeOf(value: unknown): string {
  if (Array.isArray(value)) return String(value.length);
  if (value instanceof Set) return String(value.size);
  return "?";
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
