/**
 * The import gate's second line, independent of any parser: the raw source, strings and comments
 * included, is searched for the word `import`, and every dotted name on the same logical line is
 * treated as a module it might load. Monty cannot be told which modules an `import` may load, and
 * the syntax tree the first line reads comes from a parser that disagrees with Monty's on some
 * strings; this scan needs no notion of where a string ends, so no such disagreement can hide an
 * import from it. It refuses too much rather than too little: a string saying "import sys"
 * counts, and the message says so.
 */

/** A name on an import line that is not authorized, with its line. */
export interface RawImport {
  module: string;
  line: number;
}

const DOTTED_NAME = /[A-Za-z_0-9]+(?:\s*\.\s*[A-Za-z_0-9]+)*/g;
// A digit may precede the keyword (Python reads `1if` as `1 if`), so only a letter or underscore before it makes another word.
const IMPORT_WORD = /(?<![A-Za-z_])import(?![A-Za-z_0-9])/;

/**
 * The first name on a line that mentions `import` whose top-level module is one of `modules` and
 * which `isAuthorized` refuses. Python joins lines ending in a backslash, and reads identifiers
 * in NFKC form (a fullwidth `ｓｙｓ` is `sys`), so the scan does both first.
 */
export function firstRawImport(source: string, modules: readonly string[], isAuthorized: (module: string) => boolean): RawImport | undefined {
  const physical = source.normalize("NFKC").split("\n");
  let line = 0;
  while (line < physical.length) {
    const firstLine = line + 1;
    let logical = physical[line]!;
    while (logical.endsWith("\\") && line + 1 < physical.length) logical = `${logical.slice(0, -1)} ${physical[++line]!}`;
    line++;
    if (!IMPORT_WORD.test(logical)) continue;
    for (const match of logical.matchAll(DOTTED_NAME)) {
      const name = match[0].replace(/\s+/g, "");
      if (modules.includes(name.split(".")[0]!) && !isAuthorized(name)) return { module: name, line: firstLine };
    }
  }
  return undefined;
}
