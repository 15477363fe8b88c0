import { describe, expect, test } from "vitest";

import { analyzeSnippet } from "./python-statements.js";

function statementsOf(code: string) {
  return analyzeSnippet(code).statements.map((statement) => ({
    text: code.slice(statement.start, statement.end),
    bound: [...statement.bound].sort(),
    isExpression: statement.isExpression,
  }));
}

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

  test("brackets, continuations, strings and comments do not end a statement", () => {
    const code = ["a = [1,", "  2]  # done", "b = 1 + \\", "  2", "c = '''x", "y'''", "", "# only a comment", 'd = f"{x["k"]}"'].join("\n");
    const lines = analyzeSnippet(code).statements.map((statement) => [statement.firstLine, statement.lastLine, code.slice(statement.start, statement.end)]);
    expect(lines).toEqual([
      [1, 2, "a = [1,\n  2]"],
      [3, 4, "b = 1 + \\\n  2"],
      [5, 6, "c = '''x\ny'''"],
      [9, 9, 'd = f"{x["k"]}"'],
    ]);
  });

  test("a multi-line string is not code, even at column 0", () => {
    const code = 'text = """\ndef fake():\nfake = 1\n"""\nlen(text)';
    expect(statementsOf(code).map((statement) => statement.bound)).toEqual([["text"], []]);
  });

  test("finds the names assignment targets bind, and only those", () => {
    const bound = (code: string) => [...analyzeSnippet(code).bound].sort();
    expect(bound("a, (b, *c) = 1, (2, 3)")).toEqual(["a", "b", "c"]);
    expect(bound("[p, q] = r = 1, 2")).toEqual(["p", "q", "r"]);
    expect(bound("items[0] = x.attr = f(k=1)")).toEqual([]);
    expect(bound("total += 1\nn: int = 5\nm: int")).toEqual(["n", "total"]);
    expect(bound("for i, v in enumerate(x):\n    seen = v\nwith a as p:\n    pass")).toEqual(["i", "p", "seen", "v"]);
    expect(bound("try:\n    pass\nexcept E as err:\n    pass")).toEqual(["err"]);
    expect(bound("[y for y in range(3)]\n(w := 5)")).toEqual(["w"]);
    expect(bound("def f():\n    local = 1\n    global g\n    g = 2")).toEqual(["f", "g"]);
    expect(bound("import os.path, json as j\nfrom math import floor as fl, ceil")).toEqual(["ceil", "fl", "j", "os"]);
    expect(bound("scale = lambda v, factor=2: v * factor")).toEqual(["scale"]);
    // Python 3: `print` is a name like any other (the grammar also knows Python 2's print statement).
    expect(bound("print = lambda *args: None\nprint ('x')")).toEqual(["print"]);
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

  test("lists every import, inside functions, classes and blocks too, with its line", () => {
    const code = [
      "import json",
      "def f():",
      "    import os",
      "if True: from . import x",
      "class C:",
      "    def m(self):",
      "        from ...pkg.sub import (a as b, c)",
      "try:",
      "    import socket as s",
      "except ImportError:",
      "    pass",
      "x = 1; import re",
      "g = lambda: [__import__ for _ in [import_ for import_ in []]]",
    ].join("\n");
    expect(analyzeSnippet(code).imports.map((binding) => [binding.module, binding.level, binding.line, binding.source])).toEqual([
      ["json", 0, 1, "import json"],
      ["os", 0, 3, "import os"],
      ["", 1, 4, "from . import x"],
      ["pkg.sub", 3, 7, "from ...pkg.sub import a as b"],
      ["pkg.sub", 3, 7, "from ...pkg.sub import c"],
      ["socket", 0, 9, "import socket as s"],
      ["re", 0, 12, "import re"],
    ]);
  });

  test("an import inside a string or a comment is no import", () => {
    expect(analyzeSnippet("text = 'import os'\n# import socket\nnote = '''\nimport subprocess\n'''").imports).toEqual([]);
  });

  test("finds every while loop and its condition, nested ones too", () => {
    const code = "while a < 1:\n    pass\ndef f():\n    while (b and\n           c): pass";
    expect(analyzeSnippet(code).loops.map((loop) => [loop.line, loop.indent, code.slice(loop.conditionStart, loop.conditionEnd)])).toEqual([
      [1, "", "a < 1"],
      [4, "    ", "(b and\n           c)"],
    ]);
  });

  test("lists decorators anywhere, and says where the code could not be read", () => {
    expect(analyzeSnippet("@a\ndef f():\n    @b(1)\n    def g():\n        pass").decorators).toEqual([1, 3]);
    expect(analyzeSnippet("x = 1\ny = = 2").unreadableLine).toBe(2);
    expect(analyzeSnippet("x = 1").unreadableLine).toBeUndefined();
  });

  test("reads 100,000 nested brackets without running out of stack", () => {
    const analysis = analyzeSnippet(`x = ${"(".repeat(100_000)}1${")".repeat(100_000)}`);
    expect([...analysis.bound]).toEqual(["x"]);
  });
});
