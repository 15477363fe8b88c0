/**
 * What the Monty executor needs to know about a snippet before running it, read from its syntax
 * tree: its top-level statements, the module-level names each one binds, the functions and
 * imports it defines, every import and decorator anywhere in it, and its `while` loops.
 */
import { ambiguousFormatString } from "./ambiguous-strings.js";
import { importBindings, type ImportBinding } from "./python-imports.js";
import { children, firstErrorOffset, lineIndex, parsePython, walk, wordsOf, type SyntaxNode } from "./python-syntax.js";
import { whileLoops, type WhileLoop } from "./while-loops.js";

/** A statement at the top level of the snippet (a `;`-separated part counts as one). */
export interface TopLevelStatement {
  /** Offsets of the statement's text in the snippet. */
  start: number;
  end: number;
  firstLine: number;
  lastLine: number;
  /** Module-level names the statement may bind. */
  bound: Set<string>;
  /** The names surely bound once the statement has run: all for a simple statement, the name of a `def`. */
  definitelyBound: Set<string>;
  /** An expression statement, whose value is the run's output when it comes last. */
  isExpression: boolean;
  /** Functions the statement defines that can be defined again from source: `def`, `f = lambda ...`. */
  definitions: Map<string, string>;
  /** The names its import statements bind. */
  imports: ImportBinding[];
  /** Every identifier-like word in the statement. */
  words: Set<string>;
}

/** The analysis of a whole snippet. */
export interface SnippetAnalysis {
  statements: TopLevelStatement[];
  /** Names bound at module level anywhere in the snippet, `global` names included. */
  bound: Set<string>;
  /** Every import in the snippet, inside functions and blocks too. */
  imports: ImportBinding[];
  /** The first line of every decorator (`@name(...)`), anywhere in the snippet. */
  decorators: number[];
  /** Every `while` loop, in source order. */
  loops: WhileLoop[];
  /** The lines that name `__import__`, the function behind imports. */
  importFunctionLines: number[];
  /** The first line with an f-string this parser and Monty's may read differently (`ambiguous-strings.ts`). */
  ambiguousStringLine?: number;
  /** The first line the parser could not read, when there is one: nothing else here can then be trusted. */
  unreadableLine?: number;
}

const COMPOUND = new Set([
  "IfStatement", "WhileStatement", "ForStatement", "TryStatement", "WithStatement",
  "FunctionDefinition", "ClassDefinition", "DecoratedStatement", "MatchStatement",
]);
/** The nodes that may bind a name. */
const BINDING_KINDS = new Set([
  "FunctionDefinition", "ClassDefinition", "ImportStatement", "ScopeStatement", "AssignStatement",
  "UpdateStatement", "ForStatement", "WithStatement", "TryStatement", "NamedExpression",
]);
/** Containers whose elements are assignment targets: `a, (b, *c) = ...`. */
const TARGET_GROUPS = new Set(["TupleExpression", "ArrayExpression", "ParenthesizedExpression"]);

/** Reads `source` (with `\n` line ends). */
export function analyzeSnippet(source: string): SnippetAnalysis {
  const tree = parsePython(source);
  const lineAt = lineIndex(source);
  const analysis: SnippetAnalysis = { statements: [], bound: new Set(), imports: [], decorators: [], loops: whileLoops(tree.topNode, source, lineAt), importFunctionLines: [] };
  const errorOffset = firstErrorOffset(tree);
  if (errorOffset !== undefined) analysis.unreadableLine = lineAt(errorOffset);
  const ambiguous = ambiguousFormatString(tree.topNode, source);
  if (ambiguous !== undefined) analysis.ambiguousStringLine = lineAt(ambiguous);

  for (const node of children(tree.topNode)) {
    if (node.name === "Comment") continue;
    const parts = node.name === "StatementGroup" ? children(node).filter((part) => part.name !== ";" && part.name !== "Comment") : [node];
    for (const part of parts) analysis.statements.push(statementOf(part, source, lineAt));
  }
  for (const statement of analysis.statements) for (const name of statement.bound) analysis.bound.add(name);
  walk(tree.topNode, (node) => {
    if (node.name === "ImportStatement") analysis.imports.push(...importBindings(node.node, source, lineAt(node.from)));
    else if (node.name === "Decorator") analysis.decorators.push(lineAt(node.from));
    else if ((node.name === "VariableName" || node.name === "PropertyName") && node.to - node.from === 10 && source.slice(node.from, node.to) === "__import__") {
      analysis.importFunctionLines.push(lineAt(node.from));
    }
  });
  return analysis;
}

function statementOf(node: SyntaxNode, source: string, lineAt: (offset: number) => number): TopLevelStatement {
  const start = node.from;
  let end = node.to;
  while (end > start && /\s/.test(source[end - 1]!)) end--;
  const text = source.slice(start, end);
  const firstLine = lineAt(start);
  const bound = bindings(node, source);
  const definitions = new Map<string, string>();
  const compound = COMPOUND.has(node.name);
  const defined = definedFunction(node, source);
  if (defined !== undefined) definitions.set(defined, text);
  if (node.name === "AssignStatement" && isLambdaDefinition(node)) definitions.set(source.slice(node.firstChild!.from, node.firstChild!.to), text);
  return {
    start,
    end,
    firstLine,
    lastLine: lineAt(Math.max(start, end - 1)),
    bound,
    definitelyBound: compound ? new Set(definitions.keys()) : bound,
    isExpression: node.name === "ExpressionStatement",
    definitions,
    imports: node.name === "ImportStatement" ? importBindings(node, source, firstLine) : [],
    words: wordsOf(text),
  };
}

/** The name a top-level `def` (decorated or not) defines. */
function definedFunction(node: SyntaxNode, source: string): string | undefined {
  const definition = node.name === "DecoratedStatement" ? node.getChild("FunctionDefinition") : node.name === "FunctionDefinition" ? node : null;
  const name = definition?.getChild("VariableName");
  return name ? source.slice(name.from, name.to) : undefined;
}

/** `name = lambda ...`, exactly: one target, one value, and that value a lambda. */
function isLambdaDefinition(node: SyntaxNode): boolean {
  const parts = children(node);
  return parts.length === 3 && parts[0]!.name === "VariableName" && parts[1]!.name === "AssignOp" && parts[2]!.name === "LambdaExpression";
}

/** The module-level names a top-level statement may bind (bodies of functions and classes excluded, their `global`s included). */
function bindings(statement: SyntaxNode, source: string): Set<string> {
  const names = new Set<string>();
  const text = (node: SyntaxNode) => source.slice(node.from, node.to);
  const addTargets = (node: SyntaxNode) => {
    for (const name of targetNames(node, text)) names.add(name);
  };
  walk(statement, (ref) => {
    if (!BINDING_KINDS.has(ref.name)) return ref.name !== "LambdaExpression";
    const node = ref.node;
    switch (node.name) {
      case "FunctionDefinition":
      case "ClassDefinition": {
        const name = node.getChild("VariableName");
        if (name) names.add(text(name));
        walk(node, (inner) => {
          if (inner.name !== "ScopeStatement") return;
          const scope = inner.node;
          if (scope.firstChild?.name === "global") for (const name of scope.getChildren("VariableName")) names.add(text(name));
        });
        return false;
      }
      case "ImportStatement":
        for (const binding of importBindings(node, source, 0)) names.add(binding.name);
        return false;
      case "ScopeStatement":
        if (node.firstChild?.name === "global") for (const name of node.getChildren("VariableName")) names.add(text(name));
        return false;
      case "AssignStatement": {
        const parts = children(node);
        const lastEquals = parts.findLastIndex((part) => part.name === "AssignOp");
        for (const part of parts.slice(0, Math.max(lastEquals, 0))) if (part.name !== "AssignOp" && part.name !== "TypeDef") addTargets(part);
        return undefined;
      }
      case "UpdateStatement":
        if (node.firstChild) addTargets(node.firstChild);
        return undefined;
      case "ForStatement": {
        const parts = children(node);
        const inIndex = parts.findIndex((part) => part.name === "in");
        const forIndex = parts.findIndex((part) => part.name === "for");
        for (const part of parts.slice(forIndex + 1, inIndex)) addTargets(part);
        return undefined;
      }
      case "WithStatement":
      case "TryStatement": {
        const parts = children(node);
        parts.forEach((part, index) => {
          if (part.name === "as" && parts[index + 1]?.name === "VariableName") names.add(text(parts[index + 1]!));
        });
        return undefined;
      }
      case "NamedExpression":
        if (node.firstChild?.name === "VariableName") names.add(text(node.firstChild));
        return undefined;
      default:
        return undefined;
    }
  });
  return names;
}

/** Names a target binds: `a, (b, *c)` binds a, b, c; `x[0]` and `x.y` bind nothing. */
function targetNames(target: SyntaxNode, text: (node: SyntaxNode) => string): string[] {
  const names: string[] = [];
  walk(target, (node) => {
    if (node.name === "VariableName") names.push(text(node.node));
    return TARGET_GROUPS.has(node.name);
  });
  return names;
}
