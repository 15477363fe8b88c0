import { highlight, type Theme } from "cli-highlight";

import type { Colors } from "./colors.js";

/**
 * Syntax-highlights code with ANSI colours.
 *
 * The theme is built from `colors`, not from cli-highlight's default (which asks chalk whether the
 * process's terminal supports colour): the caller's choice decides, and each token is coloured
 * line by line so that a multi-line string or comment never bleeds colour into a frame drawn
 * around the lines.
 *
 * @param code - Sanitised source code.
 * @param language - `python` or `javascript`.
 * @param colors - Colour functions, enabled.
 * @returns The highlighted code, with as many lines as `code`; `code` unchanged if highlighting fails.
 */
export function highlightCode(code: string, language: "python" | "javascript", colors: Colors): string {
  try {
    return highlight(code, { language, ignoreIllegals: true, theme: createTheme(colors) });
  } catch {
    return code;
  }
}

function createTheme(colors: Colors): Theme {
  const perLine =
    (format: (text: string) => string) =>
    (text: string): string =>
      text
        .split("\n")
        .map((line) => (line === "" ? line : format(line)))
        .join("\n");
  const plain = (text: string): string => text;
  const keyword = perLine(colors.magenta);
  const builtIn = perLine(colors.cyan);
  const literal = perLine(colors.blue);
  const number = perLine(colors.yellow);
  const string = perLine(colors.green);
  const comment = perLine((text) => colors.italic(colors.gray(text)));
  const title = perLine(colors.blue);
  const meta = perLine(colors.gray);
  const attribute = perLine(colors.yellow);
  return {
    default: plain,
    keyword,
    built_in: builtIn,
    type: builtIn,
    literal,
    number,
    regexp: perLine(colors.red),
    string,
    subst: plain,
    symbol: number,
    class: title,
    function: title,
    title,
    params: plain,
    comment,
    doctag: comment,
    meta,
    "meta-keyword": keyword,
    "meta-string": string,
    section: title,
    tag: meta,
    name: title,
    "builtin-name": builtIn,
    attr: attribute,
    attribute,
    variable: plain,
    bullet: number,
    code: string,
    emphasis: perLine(colors.italic),
    strong: perLine(colors.bold),
    formula: plain,
    link: perLine(colors.underline),
    quote: comment,
    "selector-tag": keyword,
    "selector-id": title,
    "selector-class": title,
    "selector-attr": attribute,
    "selector-pseudo": attribute,
    "template-tag": keyword,
    "template-variable": builtIn,
    addition: perLine(colors.green),
    deletion: perLine(colors.red),
  };
}
