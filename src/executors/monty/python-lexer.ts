/**
 * A small Python lexer: just enough to cut code into logical lines and tokens, so the Monty
 * executor can rewrite a snippet line by line. It runs only on code Monty has already parsed,
 * so it need not report errors; on odd input it still ends and returns what it found.
 */

/** One token. Strings (f-strings included) are single tokens; comments and whitespace are dropped. */
export interface Token {
  kind: "name" | "number" | "string" | "op";
  text: string;
  /** Offsets into the source. */
  start: number;
  end: number;
  /** 1-based line of the token's first character. */
  line: number;
  /** Bracket depth around the token; an opening bracket has the depth outside it. */
  depth: number;
}

/** A logical line: the tokens from one statement-ending newline to the next. */
export interface LogicalLine {
  tokens: Token[];
  /** Offset where the physical line of the first token begins. */
  lineStart: number;
  /** The whitespace before the first token. */
  indent: string;
  /** Offset just after the last token. */
  end: number;
  /** 1-based lines of the first and last token. */
  firstLine: number;
  lastLine: number;
}

const OPERATORS = [
  "**=", "//=", ">>=", "<<=", "...", "->", ":=", "==", "!=", "<=", ">=", "**", "//", "<<", ">>",
  "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=",
];
const STRING_PREFIXES = new Set(["r", "u", "b", "f", "t", "br", "rb", "fr", "rf", "tr", "rt"]);
// Unicode property classes cost milliseconds to compile on first use: ASCII, the usual case, is tested without them.
const UNICODE_NAME_START = /[\p{L}\p{Nl}_]/u;
const UNICODE_NAME_PART = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]/u;
const UNICODE_WORD = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/gu;
const NAME_START = { test: (char: string) => (char < "\x80" ? /[A-Za-z_]/.test(char) : UNICODE_NAME_START.test(char)) };
const NAME_PART = { test: (char: string) => (char < "\x80" ? /[A-Za-z0-9_]/.test(char) : UNICODE_NAME_PART.test(char)) };

/** Cuts `source` (with `\n` line ends) into logical lines, skipping blank and comment-only lines. */
export function logicalLines(source: string): LogicalLine[] {
  const lines: LogicalLine[] = [];
  let tokens: Token[] = [];
  let depth = 0;
  let line = 1;
  let index = 0;

  const finishLine = () => {
    const first = tokens[0];
    const last = tokens[tokens.length - 1];
    if (first !== undefined && last !== undefined) {
      const lineStart = source.lastIndexOf("\n", first.start - 1) + 1;
      lines.push({
        tokens,
        lineStart,
        indent: source.slice(lineStart, first.start),
        end: last.end,
        firstLine: first.line,
        lastLine: last.line + countNewlines(source, last.start, last.end),
      });
    }
    tokens = [];
    depth = 0;
  };

  while (index < source.length) {
    const char = source[index]!;
    if (char === "\n") {
      line++;
      index++;
      if (depth === 0) finishLine();
      continue;
    }
    if (char === " " || char === "\t" || char === "\f" || char === "\r") {
      index++;
      continue;
    }
    if (char === "#") {
      while (index < source.length && source[index] !== "\n") index++;
      continue;
    }
    if (char === "\\" && source[index + 1] === "\n") {
      // An explicit line joining: the logical line goes on.
      index += 2;
      line++;
      continue;
    }
    const start = index;
    const startLine = line;
    if (NAME_START.test(char)) {
      while (index < source.length && NAME_PART.test(source[index]!)) index++;
      const word = source.slice(start, index);
      const quote = source[index];
      if ((quote === "'" || quote === '"') && STRING_PREFIXES.has(word.toLowerCase())) {
        const formatted = /[ft]/i.test(word);
        const scanned = scanString(source, index, formatted);
        line += countNewlines(source, index, scanned);
        index = scanned;
        tokens.push({ kind: "string", text: source.slice(start, index), start, end: index, line: startLine, depth });
        continue;
      }
      tokens.push({ kind: "name", text: word, start, end: index, line: startLine, depth });
      continue;
    }
    if (char === "'" || char === '"') {
      index = scanString(source, index, false);
      line += countNewlines(source, start, index);
      tokens.push({ kind: "string", text: source.slice(start, index), start, end: index, line: startLine, depth });
      continue;
    }
    if (/[0-9]/.test(char) || (char === "." && /[0-9]/.test(source[index + 1] ?? ""))) {
      index = scanNumber(source, index);
      tokens.push({ kind: "number", text: source.slice(start, index), start, end: index, line: startLine, depth });
      continue;
    }
    const operator = OPERATORS.find((candidate) => source.startsWith(candidate, index)) ?? char;
    index += operator.length;
    if (operator === "(" || operator === "[" || operator === "{") {
      tokens.push({ kind: "op", text: operator, start, end: index, line: startLine, depth });
      depth++;
    } else if (operator === ")" || operator === "]" || operator === "}") {
      depth = Math.max(0, depth - 1);
      tokens.push({ kind: "op", text: operator, start, end: index, line: startLine, depth });
    } else {
      tokens.push({ kind: "op", text: operator, start, end: index, line: startLine, depth });
    }
  }
  finishLine();
  return lines;
}

function countNewlines(source: string, from: number, to: number): number {
  let count = 0;
  for (let index = from; index < to; index++) if (source[index] === "\n") count++;
  return count;
}

function scanNumber(source: string, index: number): number {
  const radix = /^0[xXoObB]/.test(source.slice(index, index + 2));
  let position = index;
  while (position < source.length) {
    const char = source[position]!;
    const previous = source[position - 1] ?? "";
    if (/[0-9a-zA-Z_.]/.test(char)) position++;
    else if ((char === "+" || char === "-") && !radix && /[eE]/.test(previous)) position++;
    else break;
  }
  return position;
}

/** Returns the offset just after the string whose opening quote is at `index`. */
function scanString(source: string, index: number, formatted: boolean): number {
  const quote = source[index]!;
  const triple = source.startsWith(quote.repeat(3), index);
  const closing = triple ? quote.repeat(3) : quote;
  let position = index + closing.length;
  while (position < source.length) {
    const char = source[position]!;
    if (char === "\\") {
      position += 2;
      continue;
    }
    if (source.startsWith(closing, position)) return position + closing.length;
    if (char === "\n" && !triple) return position; // unterminated: let Monty have said so
    if (formatted && char === "{") {
      if (source[position + 1] === "{") {
        position += 2;
        continue;
      }
      position = scanReplacementField(source, position + 1);
      continue;
    }
    position++;
  }
  return position;
}

/** Skips an f-string replacement field `{...}`, whose expression may hold strings of its own. */
function scanReplacementField(source: string, index: number): number {
  let depth = 0;
  let inFormatSpec = false;
  let position = index;
  while (position < source.length) {
    const char = source[position]!;
    if (inFormatSpec) {
      if (char === "{") position = scanReplacementField(source, position + 1);
      else if (char === "}") return position + 1;
      else position++;
      continue;
    }
    if (char === "'" || char === '"') {
      position = scanString(source, position, false);
      continue;
    }
    if (NAME_START.test(char)) {
      // A nested f-string keeps its own fields.
      let end = position;
      while (end < source.length && NAME_PART.test(source[end]!)) end++;
      const quote = source[end];
      if ((quote === "'" || quote === '"') && STRING_PREFIXES.has(source.slice(position, end).toLowerCase())) {
        position = scanString(source, end, /[ft]/i.test(source.slice(position, end)));
      } else {
        position = end;
      }
      continue;
    }
    if (char === "(" || char === "[" || char === "{") depth++;
    else if (char === ")" || char === "]") depth--;
    else if (char === "}") {
      if (depth === 0) return position + 1;
      depth--;
    } else if (char === ":" && depth === 0 && source[position + 1] !== "=") {
      inFormatSpec = true;
    }
    position++;
  }
  return position;
}

/** The identifiers in `text`, and any word that looks like one (inside strings too): a superset is what callers want. */
export function wordsOf(text: string): Set<string> {
  const words = /^[\x00-\x7f]*$/.test(text) ? text.match(/[A-Za-z_][A-Za-z0-9_]*/g) : text.match(UNICODE_WORD);
  return new Set(words ?? []);
}
