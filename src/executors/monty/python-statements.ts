/**
 * What the Monty executor needs to know about a snippet before running it: its top-level
 * statements, the module-level names each one binds, the functions and imports it defines, and
 * every import anywhere in it. A token-level reading, not a parser: Monty parses the code first,
 * so only valid Python gets here.
 */
import { parseImport, type ImportBinding } from "./python-imports.js";
import { logicalLines, wordsOf, type LogicalLine, type Token } from "./python-lexer.js";
import { headerColon, splitAt } from "./token-lists.js";

/** A statement at the top level of the snippet (a `;`-separated part counts as one). */
export interface TopLevelStatement {
  lines: LogicalLine[];
  /** Offsets of the statement's text in the snippet. */
  start: number;
  end: number;
  firstLine: number;
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
}

const KEYWORDS = new Set([
  "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def",
  "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
  "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
]);
const COMPOUND = new Set(["if", "for", "while", "try", "with", "def", "class", "async", "@"]);
const CONTINUATIONS = new Set(["else", "elif", "except", "finally"]);
const SIMPLE_KEYWORDS = new Set(["import", "from", "global", "nonlocal", "pass", "break", "continue", "return", "raise", "assert", "del", "yield"]);
const AUGMENTED = new Set(["+=", "-=", "*=", "/=", "//=", "%=", "**=", ">>=", "<<=", "&=", "|=", "^=", "@="]);

/** Reads `source` (already parsed by Monty, with `\n` line ends). */
export function analyzeSnippet(source: string): SnippetAnalysis {
  const lines = logicalLines(source);
  const statements = groupStatements(lines).flatMap((group) => toStatements(source, group));
  const bound = new Set<string>();
  for (const statement of statements) for (const name of statement.bound) bound.add(name);
  const imports: ImportBinding[] = [];
  const decorators: number[] = [];
  for (const line of lines) {
    if (line.tokens[0]!.text === "@") decorators.push(line.firstLine);
    for (const simple of splitLine(line.tokens).body) {
      if (simple[0]?.text === "import" || simple[0]?.text === "from") imports.push(...parseImport(simple));
      if (simple[0]?.text === "global") for (const name of simpleBindings(simple)) bound.add(name);
    }
  }
  return { statements, bound, imports, decorators };
}

function groupStatements(lines: LogicalLine[]): LogicalLine[][] {
  const groups: LogicalLine[][] = [];
  for (const line of lines) {
    const current = groups[groups.length - 1];
    const first = line.tokens[0]!.text;
    const previousTopLevel = current?.filter((member) => member.indent === "").pop();
    const joins =
      current !== undefined &&
      (line.indent !== "" || CONTINUATIONS.has(first) || previousTopLevel?.tokens[0]?.text === "@");
    if (joins) current.push(line);
    else groups.push([line]);
  }
  return groups;
}

function toStatements(source: string, group: LogicalLine[]): TopLevelStatement[] {
  const first = group[0]!;
  const keyword = first.tokens[0]!.text;
  if (group.length === 1 && !COMPOUND.has(keyword)) {
    return splitAt(first.tokens, ";").filter((part) => part.length > 0).map((part) => simpleStatement(source, first, part));
  }
  return [compoundStatement(source, group)];
}

function simpleStatement(source: string, line: LogicalLine, tokens: Token[]): TopLevelStatement {
  const start = tokens[0]!.start;
  const end = tokens[tokens.length - 1]!.end;
  const part: LogicalLine = { ...line, tokens, end, firstLine: tokens[0]!.line };
  const definitions = new Map<string, string>();
  const [target, equals, value] = tokens;
  if (target?.kind === "name" && equals?.text === "=" && value?.text === "lambda" && assignmentParts(tokens).length === 2) {
    definitions.set(target.text, source.slice(start, end));
  }
  const isImport = tokens[0]!.text === "import" || tokens[0]!.text === "from";
  const bound = new Set(simpleBindings(tokens));
  return {
    lines: [part],
    start,
    end,
    firstLine: tokens[0]!.line,
    bound,
    definitelyBound: bound,
    isExpression: isExpression(tokens),
    definitions,
    imports: isImport ? parseImport(tokens) : [],
    words: wordsOf(source.slice(start, end)),
  };
}

function compoundStatement(source: string, group: LogicalLine[]): TopLevelStatement {
  const first = group[0]!;
  const last = group[group.length - 1]!;
  const start = first.tokens[0]!.start;
  const text = source.slice(start, last.end);
  const bound = new Set<string>();
  // Lines more indented than a `def` are its body: what they bind is local to it.
  let scopeIndent: number | undefined;
  for (const line of group) {
    if (scopeIndent !== undefined && line.indent.length > scopeIndent) {
      if (line.tokens[0]!.text === "global") for (const name of simpleBindings(line.tokens)) bound.add(name);
      continue;
    }
    scopeIndent = undefined;
    for (const name of lineBindings(line.tokens)) bound.add(name);
    if (opensScope(line.tokens)) scopeIndent = line.indent.length;
  }
  const definitions = new Map<string, string>();
  const header = group.find((line) => line.tokens[0]!.text !== "@");
  const defined = header === undefined ? undefined : definedFunction(header.tokens);
  if (defined !== undefined && header!.indent === "") definitions.set(defined, text);
  return {
    lines: group,
    start,
    end: last.end,
    firstLine: first.firstLine,
    bound,
    definitelyBound: new Set(definitions.keys()),
    isExpression: false,
    definitions,
    imports: [],
    words: wordsOf(text),
  };
}

function opensScope(tokens: Token[]): boolean {
  const keyword = tokens[0]!.text === "async" ? tokens[1]?.text : tokens[0]!.text;
  return keyword === "def" || keyword === "class";
}

function definedFunction(tokens: Token[]): string | undefined {
  const offset = tokens[0]!.text === "async" ? 1 : 0;
  return tokens[offset]?.text === "def" ? tokens[offset + 1]?.text : undefined;
}

/**
 * A logical line as a compound header (up to its colon) and the simple statements after it, or,
 * for a simple line, no header and its `;`-separated statements.
 */
function splitLine(tokens: Token[]): { header?: Token[]; body: Token[][] } {
  const keyword = tokens[0]!.text === "async" ? tokens[1]?.text : tokens[0]!.text;
  if (keyword === undefined || !(COMPOUND.has(keyword) || CONTINUATIONS.has(keyword)) || keyword === "@") {
    return keyword === "@" ? { header: tokens, body: [] } : { body: splitAt(tokens, ";") };
  }
  const colon = headerColon(tokens);
  if (colon === -1) return { header: tokens, body: [] };
  return { header: tokens.slice(0, colon), body: splitAt(tokens.slice(colon + 1), ";").filter((part) => part.length > 0) };
}

/** The names a logical line binds in the scope it runs in (bodies of `def` on the same line excluded). */
function lineBindings(tokens: Token[]): string[] {
  const offset = tokens[0]!.text === "async" ? 1 : 0;
  const keyword = tokens[offset]?.text;
  const { header = [], body } = splitLine(tokens);
  if (keyword === "def" || keyword === "class") {
    const name = tokens[offset + 1];
    return name?.kind === "name" ? [name.text] : [];
  }
  const names = walrusNames(header);
  if (keyword === "for") {
    const inIndex = header.findIndex((token, index) => index > offset && token.text === "in" && token.depth === 0);
    names.push(...targetNames(header.slice(offset + 1, inIndex === -1 ? header.length : inIndex)));
  } else if (keyword === "with" || keyword === "except") {
    for (const item of splitAt(header.slice(offset + 1), ",")) {
      const as = item.findIndex((token) => token.text === "as" && token.depth === 0);
      if (as !== -1) names.push(...targetNames(item.slice(as + 1)));
    }
  }
  for (const simple of body) names.push(...simpleBindings(simple));
  return names;
}

function simpleBindings(tokens: Token[]): string[] {
  const keyword = tokens[0]?.text ?? "";
  if (keyword === "import" || keyword === "from") return parseImport(tokens).map((binding) => binding.name);
  if (keyword === "global") return tokens.slice(1).filter((token) => token.kind === "name").map((token) => token.text);
  const names = walrusNames(tokens);
  if (SIMPLE_KEYWORDS.has(keyword)) return names;
  const parts = assignmentParts(tokens);
  if (parts.length > 1) {
    for (const target of parts.slice(0, -1)) names.push(...targetNames(annotationTarget(target)));
    return names;
  }
  const augmented = tokens.findIndex((token) => token.depth === 0 && AUGMENTED.has(token.text));
  if (augmented > 0) names.push(...targetNames(tokens.slice(0, augmented)));
  return names;
}

/** Targets and value of an assignment; a lambda's default (`f = lambda x=1: x`) is no assignment. */
function assignmentParts(tokens: Token[]): Token[][] {
  const lambda = tokens.findIndex((token) => token.depth === 0 && token.text === "lambda");
  if (lambda === -1) return splitAt(tokens, "=");
  const parts = splitAt(tokens.slice(0, lambda), "=");
  parts[parts.length - 1]!.push(...tokens.slice(lambda));
  return parts;
}

/** `x: int` in `x: int = 5` names only `x`. */
function annotationTarget(tokens: Token[]): Token[] {
  const colon = headerColon(tokens);
  return colon === -1 ? tokens : tokens.slice(0, colon);
}

function isExpression(tokens: Token[]): boolean {
  const first = tokens[0]!;
  if (first.kind === "name" && SIMPLE_KEYWORDS.has(first.text)) return false;
  if (assignmentParts(tokens).length > 1) return false;
  if (tokens.some((token) => token.depth === 0 && AUGMENTED.has(token.text))) return false;
  return headerColon(tokens) === -1;
}

/** Names a target binds: `a, (b, *c)` binds a, b, c; `x[0]` and `x.y` bind nothing. */
function targetNames(tokens: Token[]): string[] {
  const names: string[] = [];
  const groups: boolean[] = []; // for each open bracket: is it a parenthesised group or list display?
  tokens.forEach((token, index) => {
    const previous = tokens[index - 1];
    const next = tokens[index + 1];
    if (token.text === "(" || token.text === "[" || token.text === "{") {
      const followsValue = previous !== undefined && (previous.kind === "name" || previous.kind === "string" || previous.text === ")" || previous.text === "]");
      groups.push(!followsValue || (previous?.kind === "name" && KEYWORDS.has(previous.text)));
      return;
    }
    if (token.text === ")" || token.text === "]" || token.text === "}") {
      groups.pop();
      return;
    }
    if (token.kind !== "name" || KEYWORDS.has(token.text) || !groups.every(Boolean)) return;
    if (previous?.text === "." || next?.text === "." || next?.text === "(" || next?.text === "[") return;
    names.push(token.text);
  });
  return names;
}

function walrusNames(tokens: Token[]): string[] {
  return tokens.filter((token, index) => token.kind === "name" && tokens[index + 1]?.text === ":=").map((token) => token.text);
}
