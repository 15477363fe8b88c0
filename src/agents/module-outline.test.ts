import { describe, expect, test } from "vitest";

import { describeModules, outlinePython } from "./module-outline.js";

describe("outlinePython", () => {
  test("public functions and classes at the top level, with their docstrings; nothing else", () => {
    const source = [
      "import os",
      "",
      "@cache",
      "def lookup(key,",
      "           default=None) -> dict:",
      "    '''Finds key.'''",
      "    return {}",
      "",
      "async def fetch(url): return url",
      "",
      "def _hidden(): pass",
      "",
      "class Store:",
      '    """Keeps things."""',
      "    def put(self): pass",
      "",
      "if True:",
      "    def nested(): pass",
    ].join("\n");
    expect(outlinePython(source)).toEqual(["def lookup(key, default=None) -> dict:\n    \"\"\"Finds key.\"\"\"", "async def fetch(url): ...", "class Store:\n    \"\"\"Keeps things.\"\"\""]);
  });

  test("a docstring is cut when long, and cannot close the listing's quotes early", () => {
    const [entry] = outlinePython(`def f():\n    r"""Says \\"\\"\\" and ${"x".repeat(2000)}"""\n`);
    expect(entry!.length).toBeLessThan(700);
    expect(entry!.slice(entry!.indexOf('"""') + 3, -3)).not.toContain('"""');
  });

  test("a module whose source does not parse still gets a listing", () => {
    expect(describeModules([{ name: "odd", files: [{ path: "odd.py", source: "def (:\n" }] }])).toContain("# module odd: from odd import ...");
  });
});
