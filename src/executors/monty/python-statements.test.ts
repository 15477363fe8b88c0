import { describe, expect, test } from "vitest";

import { logicalLines } from "./python-lexer.js";
import { analyzeSnippet } from "./python-statements.js";

function statementsOf(code: string) {
  return analyzeSnippet(code).statements.map((statement) => ({
    text: code.slice(statement.start, statement.end),
    bound: [...statement.bound].sort(),
    isExpression: statement.isExpression,
  }));
}

describe("logicalLines", () => {
  test("brackets, continuations, strings and comments do not end a line", () => {
    const code = "a = [1,\n  2]  # done\nb = 1 + \\\n  2\nc = '''x\ny'''\n\n# only a comment\nd = f\"{x[\"k\"]}\"";
    expect(logicalLines(code).map((line) => [line.firstLine, line.lastLine, line.tokens[0]!.text])).toEqual([
      [1, 2, "a"],
      [3, 4, "b"],
      [5, 6, "c"],
      [9, 9, "d"],
    ]);
  });
});

describe("analyzeSnippet", () => {
  test("splits top-level statements, keeping blocks, clauses and decorators whole", () => {
    const code = "x = 1; y = 2\nif x:\n    z = 3\n# note\nelse:\n    w = 4\n@deco\ndef f(a):\n    inner = a\n    return inner\nf(x)";
    expect(statementsOf(code)).toEqual([
      { text: "x = 1", bound: ["x"], isExpression: false },
      { text: "y = 2", bound: ["y"], isExpression: false },
      { text: "if x:\n    z = 3\n# note\nelse:\n    w = 4", bound: ["w", "z"], isExpression: false },
      { text: "@deco\ndef f(a):\n    inner = a\n    return inner", bound: ["f"], isExpression: false },
      { text: "f(x)", bound: [], isExpression: true },
    ]);
  });

  test("a multi-line string is not code, even at column 0", () => {
    const code = 'text = """\ndef fake():\nfake = 1\n"""\nlen(text)';
    expect(statementsOf(code).map((statement) => statement.bound)).toEqual([["text"], []]);
  });

  test("finds the names assignment targets bind, and only those", () => {
    const bound = (code: string) => [...analyzeSnippet(code).bound].sort();
    expect(bound("a, (b, *c) = 1, (2, 3)")).toEqual(["a", "b", "c"]);
    expect(bound("items[0] = x.attr = f(k=1)")).toEqual([]);
    expect(bound("total += 1\nn: int = 5\nm: int")).toEqual(["n", "total"]);
    expect(bound("for i, v in enumerate(x):\n    seen = v\nwith a as (p, q):\n    pass")).toEqual(["i", "p", "q", "seen", "v"]);
    expect(bound("try:\n    pass\nexcept E as err:\n    pass")).toEqual(["err"]);
    expect(bound("[y for y in range(3)]\n(w := 5)")).toEqual(["w"]);
    expect(bound("def f():\n    local = 1\n    global g\n    g = 2")).toEqual(["f", "g"]);
    expect(bound("import os.path, json as j\nfrom math import floor as fl, ceil")).toEqual(["ceil", "fl", "j", "os"]);
    expect(bound("scale = lambda v, factor=2: v * factor")).toEqual(["scale"]);
  });

  test("tells expressions from statements", () => {
    const kinds = (code: string) => statementsOf(code).map((statement) => statement.isExpression);
    expect(kinds("print(a, end='')\na == b\nlambda v=1: v\nx[1:2]")).toEqual([true, true, true, true]);
    expect(kinds("a = 1\na += 1\na: int\nimport os\nassert a\npass")).toEqual([false, false, false, false, false, false]);
  });

  test("keeps the source of functions it can define again, and one import per name", () => {
    const [definition, lambda, imports] = analyzeSnippet("def f():\n    return 1\nsquare = lambda v, p=2: v ** p\nfrom math import floor as fl, ceil").statements;
    expect([...definition!.definitions]).toEqual([["f", "def f():\n    return 1"]]);
    expect([...lambda!.definitions]).toEqual([["square", "square = lambda v, p=2: v ** p"]]);
    expect(imports!.imports.map((binding) => [binding.name, binding.source])).toEqual([
      ["fl", "from math import floor as fl"],
      ["ceil", "from math import ceil"],
    ]);
  });

  test("lists every import, inside functions and blocks too, with its line", () => {
    const imports = analyzeSnippet("import json\ndef f():\n    import os\nif True: from . import x").imports;
    expect(imports.map((binding) => [binding.module, binding.level, binding.line])).toEqual([
      ["json", 0, 1],
      ["os", 0, 3],
      ["", 1, 4],
    ]);
  });
});
