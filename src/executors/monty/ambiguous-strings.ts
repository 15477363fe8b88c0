/**
 * F-strings the Monty executor's parser (`@lezer/python`) and Monty itself may read differently.
 * Python 3.12 changed f-strings: a backslash before a brace is no longer an escape, a replacement
 * field may hold the enclosing quote and a comment. Where the two parsers disagree on where a
 * string ends, code one of them sees as text the other runs; such f-strings are refused, so
 * every check made on the syntax tree holds for what Monty runs.
 */
import { walk, type SyntaxNode } from "./python-syntax.js";

/** A backslash before a brace, or a named escape `\N{...}` (in a raw f-string its brace opens a field). */
const BRACE_ESCAPE = /\\[{}]|\\N\{/;

/** The offset of the first f-string the two parsers may disagree on, or undefined. */
export function ambiguousFormatString(top: SyntaxNode, source: string): number | undefined {
  let found: number | undefined;
  walk(top, (ref) => {
    if (found !== undefined) return false;
    if (ref.name !== "FormatString") return undefined;
    const text = source.slice(ref.from, ref.to);
    const quote = /["']/.exec(text)?.[0] ?? '"';
    if (BRACE_ESCAPE.test(text)) found = ref.from;
    walk(ref.node, (inner) => {
      if (found !== undefined) return false;
      const innerText = source.slice(inner.from, inner.to);
      if (inner.name === "Comment") found = inner.from;
      else if (inner.name === "FormatReplacement" && innerText.includes(quote)) found = inner.from;
      else if (inner.name === "FormatSpec" && /["'\\]/.test(innerText)) found = inner.from;
      return undefined;
    });
    return false;
  });
  return found;
}
