import { describe, expect, test } from "vitest";

import { MontyNamespace } from "./monty-namespace.js";
import { buildProgram } from "./monty-program.js";
import { analyzeSnippet } from "./python-statements.js";

function build(code: string, namespace = new MontyNamespace()) {
  const analysis = analyzeSnippet(code);
  const words = new Set(analysis.statements.flatMap((statement) => [...statement.words]));
  const excluded = new Set(["final_answer"]);
  return buildProgram(code, analysis, { selection: namespace.select(words, excluded), excluded, builtinTools: [] });
}

describe("buildProgram", () => {
  test("adds a checkpoint after each statement and returns the last one as the result", () => {
    const program = build("total = 1\ntotal += 2\ntotal");
    expect(program.code).toBe(
      [
        "__codeagent_type__ = type",
        "__codeagent_id__ = id",
        "total = 1",
        "__codeagent_keep__(0, (total, __codeagent_type__(total), __codeagent_id__(total)))",
        "total += 2",
        "__codeagent_keep__(1, (total, __codeagent_type__(total), __codeagent_id__(total)))",
        "__codeagent_value__ = (total",
        ")",
        "(2, __codeagent_value__, (total, __codeagent_type__(total), __codeagent_id__(total)),)",
        "",
      ].join("\n"),
    );
    expect(program.finalCheckpoint).toBe(2);
  });

  test("maps every line it copies back to the model's line, and none it adds", () => {
    const program = build("x = 1\n\nif x:\n    y = 2");
    const lines = program.code.split("\n");
    const copied = program.origins.map((origin, index) => (origin?.kind === "code" ? [origin.line, lines[index]] : undefined)).filter(Boolean);
    expect(copied).toEqual([
      [1, "x = 1"],
      [3, "if x:"],
      [4, "    y = 2"],
    ]);
  });

  test("reads a name that may be unbound inside a try, and declares names when functions need them", () => {
    const program = build("def f():\n    return later\nif f:\n    later = 1");
    expect(program.code).toMatch(/^if False:\n {4}f = later = None\n/);
    expect(program.code).toContain("try:\n    __codeagent_v1__ = (later, __codeagent_type__(later), __codeagent_id__(later))\nexcept NameError:\n    __codeagent_v1__ = ()");
  });

  test("makes while loops tick, keeping their lines", () => {
    const program = build("n = 0\nwhile n < 3:\n    n += 1");
    expect(program.code).toContain("__codeagent_n0__ = 10000\nwhile ((__codeagent_n0__ := __codeagent_n0__ - 1) or (__codeagent_n0__ := __codeagent_tick__(2))) and (n < 3):");
    const header = program.code.split("\n").findIndex((line) => line.startsWith("while"));
    expect(program.origins[header]).toEqual({ kind: "code", line: 2 });
  });

  test("defines again what earlier runs defined, each after what it uses, and passes values in", () => {
    const namespace = new MontyNamespace();
    namespace.setDefinition("outer", "def outer():\n    return inner() + base", 1);
    namespace.setDefinition("inner", "def inner():\n    return 1", 4);
    namespace.setValue("base", { value: 3.0, fixup: "float" });
    const program = build("outer()", namespace);
    expect(program.code.indexOf("def inner")).toBeLessThan(program.code.indexOf("def outer"));
    expect(program.code).toContain("base = float(base)");
    expect([...program.inputs.keys()]).toEqual(["base"]);
  });

  test("binds names that shared one list to one object, and reports them together", () => {
    const namespace = new MontyNamespace();
    namespace.setValue("a", { value: [1] });
    namespace.setValue("b", { value: [1] });
    namespace.setSharing(["a", "b"], new Map([["a", "7"], ["b", "7"]]));
    const program = build("b.append(2)\nx = 1", namespace);
    expect([...program.inputs.keys()]).toEqual(["a"]);
    expect(program.code).toContain("\nb = a\n");
    expect(program.checkpoints[0]!.names.sort()).toEqual(["a", "b"]);
  });
});
