/**
 * The `while` loops of a source, located for the program writer, which makes each one pause now
 * and then (see monty-program.ts): where its line starts, its indentation, and its condition.
 */
import { children, walk, type SyntaxNode } from "./python-syntax.js";

/** One `while` loop, by offsets into its source. */
export interface WhileLoop {
  /** Where the line holding `while` starts. */
  lineStart: number;
  /** The whitespace before `while`. */
  indent: string;
  conditionStart: number;
  conditionEnd: number;
  /** 1-based line of `while`. */
  line: number;
}

/** Every `while` loop under `root`, nested ones too, in source order. */
export function whileLoops(root: SyntaxNode, source: string, lineAt: (offset: number) => number): WhileLoop[] {
  const loops: WhileLoop[] = [];
  walk(root, (ref) => {
    if (ref.name !== "WhileStatement") return;
    const parts = children(ref.node);
    const keyword = parts[0];
    const body = parts.findIndex((part) => part.name === "Body");
    if (keyword?.name !== "while" || body < 2) return;
    const lineStart = source.lastIndexOf("\n", keyword.from - 1) + 1;
    const indent = source.slice(lineStart, keyword.from);
    // `while` always opens its own line; anything else is not a loop this rewriting understands.
    if (!/^[ \t]*$/.test(indent)) return;
    loops.push({ lineStart, indent, conditionStart: parts[1]!.from, conditionEnd: parts[body - 1]!.to, line: lineAt(keyword.from) });
  });
  return loops;
}
