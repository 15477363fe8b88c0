/**
 * Python source as a syntax tree, from `@lezer/python` (a maintained, incremental LR parser in
 * plain JavaScript), and the few readings of it the Monty executor shares: walking a subtree
 * without recursion (hostile code nests 100,000 deep), a node's text, lines, and words.
 */
import { parser } from "@lezer/python";

/** A parsed source. */
export type SyntaxTree = ReturnType<typeof parser.parse>;
/** One node of a {@link SyntaxTree}. */
export type SyntaxNode = SyntaxTree["topNode"];
/** A position in a walk: the node's kind and extent, and the node itself (made on request: most visits need only the kind). */
export type NodeRef = Pick<ReturnType<SyntaxNode["cursor"]>, "name" | "from" | "to" | "type" | "node">;

/**
 * The grammar reads Python 2's `print x` statement, so `print = ...` in Python 3 code would not
 * parse. Its first tokenizer is the one that recognises that statement; it is swapped for one that
 * never does. (The tokenizer class is taken from the grammar's own, so no second copy of `@lezer/lr` is needed.)
 */
const legacyPrint = (parser as unknown as { tokenizers: readonly object[] }).tokenizers[0]!;
const Tokenizer = legacyPrint.constructor as new (token: () => void) => object;
const python3 = parser.configure({ tokenizers: [{ from: legacyPrint, to: new Tokenizer(() => undefined) }] as never });

/** Parses `source` (with `\n` line ends). Never throws: unreadable parts become error nodes. */
export function parsePython(source: string): SyntaxTree {
  return python3.parse(source);
}

/**
 * Visits `node` and its descendants in source order, iteratively. `enter` returning false skips
 * the node's children.
 */
export function walk(node: SyntaxNode, enter: (node: NodeRef) => boolean | void): void {
  const cursor = node.cursor();
  let depth = 0;
  for (;;) {
    if (enter(cursor) !== false && cursor.firstChild()) {
      depth++;
      continue;
    }
    for (;;) {
      if (depth === 0) return;
      if (cursor.nextSibling()) break;
      cursor.parent();
      depth--;
    }
  }
}

/** The direct children of `node`. */
export function children(node: SyntaxNode): SyntaxNode[] {
  const result: SyntaxNode[] = [];
  for (let child = node.firstChild; child !== null; child = child.nextSibling) result.push(child);
  return result;
}

/** The offset of the first node the parser could not read, or undefined when it read everything. */
export function firstErrorOffset(tree: SyntaxTree): number | undefined {
  let offset: number | undefined;
  tree.iterate({
    enter: (node) => {
      if (offset !== undefined) return false;
      if (node.type.isError) offset = node.from;
      return undefined;
    },
  });
  return offset;
}

/** Maps offsets of `source` to 1-based line numbers. */
export function lineIndex(source: string): (offset: number) => number {
  const newlines: number[] = [];
  for (let index = source.indexOf("\n"); index !== -1; index = source.indexOf("\n", index + 1)) newlines.push(index);
  return (offset) => {
    let low = 0;
    let high = newlines.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (newlines[middle]! < offset) low = middle + 1;
      else high = middle;
    }
    return low + 1;
  };
}

// Unicode property classes cost milliseconds to compile on first use: ASCII, the usual case, is matched without them.
const UNICODE_WORD = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/gu;

/** The identifiers in `text`, and any word that looks like one (inside strings too): a superset is what callers want. */
export function wordsOf(text: string): Set<string> {
  const words = /^[\x00-\x7f]*$/.test(text) ? text.match(/[A-Za-z_][A-Za-z0-9_]*/g) : text.match(UNICODE_WORD);
  return new Set(words ?? []);
}
