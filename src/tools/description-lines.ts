/**
 * Splits a description into lines ready to be re-indented inside a docstring or JSDoc comment.
 * Descriptions are often template literals indented along with the code around them, so the
 * common indentation of the lines after the first is removed.
 */
export function descriptionLines(text: string): string[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n").map((line) => line.trimEnd());
  while (lines.length > 0 && lines[0] === "") lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0) return [];
  const [first = "", ...rest] = lines;
  const indents = rest.filter((line) => line !== "").map((line) => line.length - line.trimStart().length);
  const common = indents.length > 0 ? Math.min(...indents) : 0;
  return [first.trimStart(), ...rest.map((line) => line.slice(common))];
}

/** Indents every non-empty line; empty lines stay empty so no trailing whitespace is produced. */
export function indent(lines: string[], prefix: string): string[] {
  return lines.map((line) => (line === "" ? "" : prefix + line));
}
