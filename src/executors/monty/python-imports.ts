/** Import statements read one bound name at a time, so each name can be defined again on its own. */
import type { Token } from "./python-lexer.js";
import { splitAt } from "./token-lists.js";

/** One name bound by an import statement, with the statement that binds only it. */
export interface ImportBinding {
  /** The name bound in the namespace (`np` for `import numpy as np`). */
  name: string;
  /** A statement that binds this name alone: `from math import floor`. */
  source: string;
  /** The module as written, without leading dots. */
  module: string;
  /** Number of leading dots (relative import). */
  level: number;
  line: number;
}

/** The names an `import` or `from ... import` statement binds, one binding (and statement) per name. */
export function parseImport(tokens: Token[]): ImportBinding[] {
  const line = tokens[0]!.line;
  if (tokens[0]!.text === "import") {
    return splitAt(tokens.slice(1), ",").flatMap((item) => {
      const as = item.findIndex((token) => token.text === "as");
      const module = dotted(as === -1 ? item : item.slice(0, as));
      if (module === "") return [];
      const alias = as === -1 ? undefined : item[as + 1]?.text;
      const source = `import ${module}${alias === undefined ? "" : ` as ${alias}`}`;
      return [{ name: alias ?? module.split(".")[0]!, source, module, level: 0, line }];
    });
  }
  const importIndex = tokens.findIndex((token) => token.text === "import");
  if (importIndex === -1) return [];
  const from = tokens.slice(1, importIndex);
  let dots = 0;
  let level = 0;
  while (from[dots]?.text === "." || from[dots]?.text === "...") level += from[dots++]!.text.length;
  const module = dotted(from.slice(dots));
  const prefix = `from ${".".repeat(level)}${module} import `;
  const items = tokens.slice(importIndex + 1).filter((token) => token.text !== "(" && token.text !== ")");
  return splitAt(items, ",").flatMap((item) => {
    const name = item[0]?.text;
    if (name === undefined) return [];
    const alias = item[1]?.text === "as" ? item[2]?.text : undefined;
    const source = `${prefix}${name}${alias === undefined ? "" : ` as ${alias}`}`;
    return [{ name: alias ?? name, source, module, level, line }];
  });
}

function dotted(tokens: Token[]): string {
  return tokens.map((token) => token.text).join("");
}
