import { describe, expect, test } from "vitest";

import { parseMessage, resultOverLimits, type SandboxRunResult } from "./bridge-protocol.js";

describe("the host's checks of what a sandbox sends", () => {
  test.each([
    ['{"type":"fatal","id":0,"message":{"toString":1,"valueOf":1}}'],
    ['{"type":"error","id":{"x":1},"message":"forged"}'],
    ['{"type":"done","id":"1"}'],
    ['{"type":"tool-call","id":1.5,"request":{}}'],
    ['{"type":"result","id":1,"logs":5,"result":{"output":null,"isFinalAnswer":false,"error":null}}'],
    [`{"type":"error","id":1,"message":"${"e".repeat(30_000)}"}`],
    ['{"type":"surprise","id":1}'],
    ["[1]"],
  ])("%s is refused", (line) => {
    expect(parseMessage(line)).toBeUndefined();
  });

  test("well-formed messages are taken", () => {
    expect(parseMessage('{"type":"done","id":3}')).toEqual({ type: "done", id: 3 });
    expect(parseMessage('{"type":"fatal","id":0,"message":"boom"}')).toEqual({ type: "fatal", id: 0, message: "boom" });
  });

  const result = (logs: string, output: unknown): SandboxRunResult => ({ logs, result: { output, isFinalAnswer: true, error: null } });
  const limits = { maxOutputChars: 1000, maxValueChars: 1000 };

  test("logs past maxOutputChars (and its truncation note) and values past maxValueChars are over", () => {
    expect(resultOverLimits(result("L".repeat(260_000), null), limits)).toMatch(/maxOutputChars/);
    expect(resultOverLimits(result("", "A".repeat(65_000)), limits)).toMatch(/maxValueChars/);
    expect(resultOverLimits(result(`${"L".repeat(1000)}\n[output truncated: 5 more characters were printed than the 1000-character limit]\n`, "ok"), limits)).toBeUndefined();
  });

  test("a value is measured in code points, with room for JSON that differs from the runtime's", () => {
    // The runtime cuts at maxValueChars of its own JSON; the host's may be longer for the same value
    // (a float's digits, an escaped lone surrogate), so only a value far past the limit is refused.
    expect(resultOverLimits(result("", "😀".repeat(6 * 1000)), limits)).toBeUndefined();
    expect(resultOverLimits(result("", [1e20, 1e20, 1e20]), { ...limits, maxValueChars: 20 })).toBeUndefined();
    expect(resultOverLimits(result("", "😀".repeat(6 * 1000 + 2000)), limits)).toMatch(/far over maxValueChars/);
  });

  test("logs are measured in code points: an emoji is one character, as the runtime counts", () => {
    expect(resultOverLimits(result("😀".repeat(1000), null), { ...limits, maxOutputChars: 1000 })).toBeUndefined();
    expect(resultOverLimits(result("x".repeat(1000 + 201), null), { ...limits, maxOutputChars: 1000 })).toMatch(/maxOutputChars/);
  });
});
