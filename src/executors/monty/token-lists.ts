/** Small readings of a token list shared by the statement and import analyses. */
import type { Token } from "./python-lexer.js";

/** The colon ending a compound header or an annotation: the first at depth 0 that ends no lambda; -1 if none. */
export function headerColon(tokens: Token[]): number {
  let lambdas = 0;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    if (token.depth !== 0) continue;
    if (token.text === "lambda") lambdas++;
    else if (token.text === ":") {
      if (lambdas === 0) return index;
      lambdas--;
    }
  }
  return -1;
}

/** Splits at `separator` tokens at depth 0 (relative to the first token). */
export function splitAt(tokens: Token[], separator: string): Token[][] {
  const base = tokens[0]?.depth ?? 0;
  const parts: Token[][] = [[]];
  for (const token of tokens) {
    if (token.text === separator && token.depth === base) parts.push([]);
    else parts[parts.length - 1]!.push(token);
  }
  return parts;
}
