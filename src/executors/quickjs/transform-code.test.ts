import { describe, expect, test } from "vitest";

import { transformCode } from "./transform-code.js";

function script(code: string): string {
  const result = transformCode(code);
  if (!result.ok) throw new Error(result.error.message);
  return result.script;
}

describe("transformCode", () => {
  test("keeps every line where it was", () => {
    const code = "const a = 1\nlet { b } = { b: 2 }\nfunction f() {\n  try { g() } catch { }\n}\nclass C {}\na + b";
    const lines = script(code).split("\n");
    expect(lines).toHaveLength(code.split("\n").length + 1);
    expect(lines[6]).toContain("return { __proto__: null, value: (a + b) }");
  });

  test("top-level declarations become assignments; block-level ones stay", () => {
    const output = script("const a = 1, [b] = [2]\nlet c\nif (a) { const d = 3; var e = 4 }\nfor (let i = 0; i < 1; i++) {}");
    expect(output).toContain("; a = 1, [b] = [2]");
    expect(output).toContain("c = void 0");
    expect(output).toContain("const d = 3");
    expect(output).toMatch(/; e = 4/);
    expect(output).toContain("for (let i = 0");
  });

  test("a var in a for-in head stays a bare target", () => {
    expect(script("for (var key in { a: 1 }) {}")).toContain("for ( key in");
  });

  test("functions get a private binding and are installed as globals first", () => {
    const output = script("function double(n) { return n * 2 }");
    expect(output).toContain('__codeagent.defineFunction("double", __codeagent_fn_double)');
    expect(output).toContain("function __codeagent_fn_double(n)");
  });

  test("every catch rethrows the sandbox's control signals first", () => {
    const output = script("try { a() } catch (error) { b() }\ntry { a() } catch { }\ntry { a() } catch ({ message }) { message }");
    expect(output).toContain("catch (error) {__codeagent.rethrow(error);");
    expect(output).toContain("catch (__codeagent_caught) {__codeagent.rethrow(__codeagent_caught); }");
    expect(output).toContain("let { message } = __codeagent_caught;");
  });

  test("import() and top-level imports go to the sandbox's loader, in place, keeping the lines", () => {
    expect(script("await import('fs')")).toContain("__codeagent.importModule('fs')");
    const imported = script('const a = 1\nimport d, { x as y, "z w" as z } from "m"\nimport * as ns from "m"\nimport "side"\na');
    expect(imported).toContain(';d = __codeagent.importName("m", "default"), y = __codeagent.importName("m", "x"), z = __codeagent.importName("m", "z w");');
    expect(imported).toContain(';ns = __codeagent.requireModule("m");');
    expect(imported).toContain(';__codeagent.requireModule("side");');
    expect(imported.split("\n")).toHaveLength(5 + 1); // the code's lines and the wrapper's closing line
  });

  test("export, and an import below the top level, are syntax errors naming the line", () => {
    expect(transformCode("const a = 1\nexport { a }")).toMatchObject({ ok: false, error: { type: "SyntaxError", message: expect.stringMatching(/^export has no use in your code.*\(line 2\)$/) } });
    expect(transformCode("function f() {\n  import x from 'm'\n}")).toMatchObject({ ok: false, error: { type: "SyntaxError", message: expect.stringMatching(/top level.*\(line 2\)$/) } });
  });

  test("a syntax error names its line and points at it", () => {
    const result = transformCode("const a = 1\nif (a print(a)");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/^Unexpected token \(line 2\)\n {4}if \(a print\(a\)\n {4}\s*\^$/);
  });

  test("a parenthesised last expression is returned whole", () => {
    expect(script("({ a: 1 })")).toContain("return { __proto__: null, value: (({ a: 1 })) }");
  });

  test("the snippet's own return gives its value in the same record; a function's return is left alone", () => {
    const output = script("if (ready) return total\nconst f = () => { return 1 }\nfunction g() { return 2 }\nreturn");
    expect(output).toContain("if (ready) return { __proto__: null, value: (total) }");
    expect(output).toContain("{ return 1 }");
    expect(output).toContain("{ return 2 }");
    expect(output).toMatch(/\n\s*return\n\}\)\(\)$/);
  });
});
