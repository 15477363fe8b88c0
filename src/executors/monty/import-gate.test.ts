import { Monty } from "@pydantic/monty";
import { describe, expect, test } from "vitest";

import { refusedImport, refusedRawImport } from "./import-gate.js";
import { analyzeSnippet } from "./python-statements.js";

/** The whole gate as a session applies it: unreadable or ambiguous code, then both import checks. */
function gateRefuses(code: string): boolean {
  const analysis = analyzeSnippet(code);
  if (analysis.unreadableLine !== undefined || analysis.ambiguousStringLine !== undefined) return true;
  return refusedImport(analysis, ["math"]) !== undefined || refusedRawImport(code, ["math"]) !== undefined;
}

function parsesInMonty(code: string): boolean {
  try {
    new Monty(code);
    return true;
  } catch {
    return false;
  }
}

describe("the raw import scan", () => {
  test.each([
    ["import sys", "sys"],
    ["from os import getcwd", "os"],
    ["import math, \\\n    pathlib", "pathlib"],
    ["x = 'import json'", "json"],
    ["import os . path", "os.path"],
    ["import ｓｙｓ", "sys"],
  ])("%s names %s", (code, module) => {
    expect(refusedRawImport(code, ["math"])?.message).toContain(`'${module}'`);
  });

  test("authorized modules, and lines without the word import, pass", () => {
    expect(refusedRawImport("import math\nsys = 1\nos = 'json'", ["math"])).toBeUndefined();
    expect(refusedRawImport("import os.path", ["os.path"])).toBeUndefined();
    expect(refusedRawImport("import sys", ["*"])).toBeUndefined();
  });
});

describe("differential fuzz: nothing Monty would import passes the gate", () => {
  const openers = [`f"\\{"`, `f"\\N{A}{`, `rf"\\N{`, `f'''{x:`, `f"{x:'`, `f'''{1 #`, `"`, `'''`, `f"{"`, `b"\\{`, `f"{'`, `f"""{x!r:`];
  const quotes = [`'''`, `"""`, `"`, `'`, "}", "#", "\\", "{", ")", "]"];
  test("random f-string openers and closers around an import", () => {
    let seed = 7;
    const pick = <T>(items: readonly T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return items[seed % items.length]!;
    };
    let parsed = 0;
    for (let round = 0; round < 3000; round++) {
      const head = pick(openers) + pick(quotes) + pick(quotes) + pick(quotes);
      const code = `a = ${head}\nimport sys\nb = sys.version #${pick(quotes)}${pick(quotes)}${pick(quotes)}\nb`;
      if (!parsesInMonty(code)) continue;
      parsed++;
      expect(gateRefuses(code), code).toBe(true);
    }
    expect(parsed).toBeGreaterThan(0);
  });
});
