/**
 * Tools become functions in Python and in JavaScript, so their names must be legal in both.
 */

// Soft keywords (`match`, `case`, `type`, `_`) are legal function names, so they are not listed.
const PYTHON_KEYWORDS = new Set([
  "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
  "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in",
  "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
]);

// Strict-mode reserved words, plus globals that cannot be redeclared as functions.
const JAVASCRIPT_RESERVED_WORDS = new Set([
  "arguments", "await", "break", "case", "catch", "class", "const", "continue", "debugger",
  "default", "delete", "do", "else", "enum", "eval", "export", "extends", "false", "finally", "for",
  "function", "if", "implements", "import", "in", "instanceof", "interface", "let", "new", "null",
  "package", "private", "protected", "public", "return", "static", "super", "switch", "this",
  "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield", "undefined", "NaN",
  "Infinity",
]);

// ASCII only: `$` is not valid in Python, and non-ASCII names confuse tokenizers more than they help.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True for a name usable as an identifier in both Python and JavaScript (ASCII letters, digits, `_`). */
export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** True for a Python keyword. */
export function isPythonKeyword(name: string): boolean {
  return PYTHON_KEYWORDS.has(name);
}

/** True for a JavaScript reserved word (strict mode). */
export function isJavaScriptReservedWord(name: string): boolean {
  return JAVASCRIPT_RESERVED_WORDS.has(name);
}

/**
 * The name a parameter has in Python: itself when legal, otherwise a legal look-alike (`from` ->
 * `from_`, `file-path` -> `file_path`). Stubs show this name and the bridge accepts it as a keyword.
 */
export function pythonParameterName(name: string): string {
  if (isIdentifier(name) && !isPythonKeyword(name)) return name;
  let candidate = name.replace(/[^A-Za-z0-9_]/g, "_");
  if (candidate === "" || /^[0-9]/.test(candidate)) candidate = `_${candidate}`;
  return isPythonKeyword(candidate) ? `${candidate}_` : candidate;
}
