/** Import statements read one bound name at a time, so each name can be defined again on its own. */
import { children, type SyntaxNode } from "./python-syntax.js";

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

/** The names an `ImportStatement` node binds, one binding (and statement) per name. */
export function importBindings(statement: SyntaxNode, source: string, line: number): ImportBinding[] {
  const text = (node: SyntaxNode) => source.slice(node.from, node.to);
  const parts = children(statement);
  if (parts[0]?.name === "import") {
    return items(parts.slice(1), text).flatMap(([module, alias]) => {
      if (module === "") return [];
      const statementText = `import ${module}${alias === undefined ? "" : ` as ${alias}`}`;
      return [{ name: alias ?? module.split(".")[0]!, source: statementText, module, level: 0, line }];
    });
  }
  const importIndex = parts.findIndex((node) => node.name === "import");
  if (importIndex === -1) return [];
  let level = 0;
  let index = 1;
  for (; index < importIndex && (parts[index]!.name === "." || parts[index]!.name === "Ellipsis"); index++) {
    level += parts[index]!.to - parts[index]!.from;
  }
  const module = parts.slice(index, importIndex).map(text).join("");
  const prefix = `from ${".".repeat(level)}${module} import `;
  const names = parts.slice(importIndex + 1).filter((node) => node.name !== "(" && node.name !== ")");
  return items(names, text).flatMap(([name, alias]) => {
    if (name === "") return [];
    return [{ name: alias ?? name, source: `${prefix}${name}${alias === undefined ? "" : ` as ${alias}`}`, module, level, line }];
  });
}

/** `a.b as c, d` as `[["a.b", "c"], ["d", undefined]]`. */
function items(nodes: SyntaxNode[], text: (node: SyntaxNode) => string): [string, string | undefined][] {
  const result: [string, string | undefined][] = [];
  let name = "";
  let alias: string | undefined;
  let afterAs = false;
  const finish = () => {
    if (name !== "" || alias !== undefined) result.push([name, alias]);
    name = "";
    alias = undefined;
    afterAs = false;
  };
  for (const node of nodes) {
    if (node.name === ",") finish();
    else if (node.name === "as") afterAs = true;
    else if (afterAs) alias = text(node);
    else name += text(node);
  }
  finish();
  return result;
}
