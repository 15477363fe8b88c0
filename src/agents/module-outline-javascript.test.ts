import { describe, expect, test } from "vitest";

import { outlineJavaScript } from "./module-outline-javascript.js";
import { describeModules } from "./module-outline.js";

function outline(entry: string, files: Record<string, string>): string[] {
  return outlineJavaScript(entry, new Map(Object.entries(files)));
}

const WORDS = [
  "/** Counts the words. */",
  "export function count(text) { return text.split(' ').length; }",
  "export class Tally { add(word) {} }",
  "export const limit = 10;",
  "export default function first(text) { return text; }",
].join("\n");

describe("outlineJavaScript", () => {
  test("exports declared in the file, under their JSDoc; a let stays let; the default export says so", () => {
    const source = [
      "/** Adds. */",
      "export function add(a, b) { return a + b; }",
      "export let counter = 0;",
      "export var legacy = 1;",
      "/** Halves. */",
      "export const half = async (x) => x / 2;",
      "function helper() {}",
      "export default class Box { open() {} _secret() {} }",
    ].join("\n");
    expect(outline("m.js", { "m.js": source })).toEqual([
      "/** Adds. */\nfunction add(a, b)",
      "let counter",
      "var legacy",
      "/** Halves. */\nconst half = async (x) =>",
      "class Box { open() } // the default export: import name from ...",
    ]);
  });

  test("export * as a namespace is one entry, used through the namespace", () => {
    const listed = outline("index.js", { "index.js": 'export * as words from "./words.js";', "words.js": WORDS });
    expect(listed).toEqual([
      "const words // a namespace of another file's exports: import { words } from ...; words.count(...), new words.Tally(...), words.limit, words.default(...)",
    ]);
    expect(listed.join("\n")).not.toContain("function count");
  });

  test("export { name } from another file lists only that name, under the name it is exported as", () => {
    expect(outline("index.js", { "index.js": 'export { count } from "./words.js";', "words.js": WORDS })).toEqual(["/** Counts the words. */\nfunction count(text)"]);
    expect(outline("index.js", { "index.js": 'export { count as total, default as opening } from "./words.js";', "words.js": WORDS })).toEqual([
      "/** Counts the words. */\nfunction count(text) // exported as total",
      "function first(text) // exported as opening",
    ]);
  });

  test("an export under a string name shows that name and how to import it", () => {
    expect(outline("m.js", { "m.js": 'function a(x) {}\nexport { a as "b c" };' })).toEqual(['function a(x) // exported as import { "b c" as a }']);
  });

  test("export * from another module by its bare name is followed, without its default export", () => {
    expect(outline("index.js", { "index.js": 'export * from "words";', "words.js": WORDS })).toEqual([
      "/** Counts the words. */\nfunction count(text)",
      "class Tally { add(word) }",
      "const limit",
    ]);
    expect(outline("pkg/index.js", { "pkg/index.js": 'export * from "other";', "other/index.js": "export const x = 1;" })).toEqual(["const x"]);
  });

  test("a file's own export wins over the same name from export *", () => {
    expect(outline("index.js", { "index.js": 'export * from "./words.js";\nexport function count(a, b) {}', "words.js": WORDS })).toEqual([
      "class Tally { add(word) }",
      "const limit",
      "function count(a, b)",
    ]);
  });

  test("an exported import is followed to the declaration in its file, with its JSDoc", () => {
    const index = 'import { count as tally } from "./words.js";\nimport first from "words";\nimport * as all from "./words.js";\nexport { tally, first, all as everything };';
    expect(outline("index.js", { "index.js": index, "words.js": WORDS })).toEqual([
      "/** Counts the words. */\nfunction count(text) // exported as tally",
      "function first(text)",
      "const everything // a namespace of another file's exports: import { everything } from ...; everything.count(...), new everything.Tally(...), everything.limit, everything.default(...)",
    ]);
  });

  test("a destructured export lists each name it declares", () => {
    expect(outline("m.js", { "m.js": "const obj = {};\nexport const { a, b: [c], ...rest } = obj;\nexport let [x = 1] = [];" })).toEqual(["const a", "const c", "const rest", "let x"]);
  });

  test("files that re-export each other do not loop, and a file read twice lists both times", () => {
    const files = {
      "a.js": 'export * from "./b.js";\nexport function fromA() {}',
      "b.js": 'export * from "./a.js";\nexport { fromB } from "./c.js";\nexport { other } from "./c.js";',
      "c.js": 'export * from "./a.js";\nexport const fromB = 1, other = 2;',
    };
    expect(outline("a.js", files)).toEqual(["const fromB", "const other", "function fromA()"]);
    expect(outline("b.js", files)).toEqual(["function fromA()", "const fromB", "const other"]);
  });

  test("an unparsable, too deeply nested or huge file lists nothing, and what imports it still lists the rest", () => {
    const deep = `export const x = ${"[".repeat(200_000)}${"]".repeat(200_000)};`;
    const huge = `export const y = 1;\n${"// filler\n".repeat(150_000)}`;
    expect(outline("m.js", { "m.js": "export function (" })).toEqual([]);
    expect(outline("m.js", { "m.js": deep })).toEqual([]);
    expect(outline("m.js", { "m.js": huge })).toEqual([]);
    expect(outline("index.js", { "index.js": 'export * from "./broken.js";\nexport const ok = 1;', "broken.js": "export {" })).toEqual(["const ok"]);
  });

  test("a missing file lists nothing", () => {
    expect(outline("missing.js", {})).toEqual([]);
    expect(outline("index.js", { "index.js": 'export { gone } from "./nowhere.js";\nexport * from "../outside.js";' })).toEqual([]);
  });

  test("in the prompt, a module that re-exports another module by its name lists that module's exports", () => {
    const modules = [
      { name: "words", files: [{ path: "words.js", source: WORDS }] },
      { name: "kit", files: [{ path: "kit/index.js", source: 'export { count } from "words";' }] },
    ];
    expect(describeModules(modules, "javascript")).toContain('// module kit: import { ... } from "kit"\n/** Counts the words. */\nfunction count(text)');
  });
});
