import { describe, expect, test } from "vitest";

import { encodeMessage, parseChildMessage, parseHostMessage, type ChildMessage, type HostMessage } from "./monty-protocol.js";

describe("the Monty sandbox protocol", () => {
  test("a message survives its own encoding", () => {
    const result = { type: "result", id: 3, output: { a: [1, "é"] }, logs: "hi\n", isFinalAnswer: false, error: { type: "ValueError", message: "bad" } } satisfies ChildMessage;
    expect(parseChildMessage(encodeMessage(result).trimEnd())).toEqual(result);
    const run = { type: "run", id: 1, code: "x = 1", tools: ["t"], settings: { authorizedImports: [], timeoutMs: null, maxOutputChars: 1, memoryLimitMb: 1, maxValueChars: 1 } } satisfies HostMessage;
    expect(parseHostMessage(encodeMessage(run).trimEnd())).toEqual(run);
  });

  test.each([
    "not json",
    "[1, 2]",
    '{"type": "shutdown"}',
    '{"type": "result", "id": 1, "logs": "", "isFinalAnswer": false}',
    '{"type": "result", "id": -1, "output": 1, "logs": "", "isFinalAnswer": false}',
    '{"type": "result", "id": 1, "output": 1, "logs": 5, "isFinalAnswer": false}',
    '{"type": "result", "id": 1, "output": 1, "logs": "", "isFinalAnswer": false, "error": {"type": "E"}}',
    '{"type": "tool-call", "callId": 1, "name": "t", "args": {}, "kwargs": {}}',
    '{"type": "tool-call", "callId": 1.5, "name": "t", "args": [], "kwargs": {}}',
    '{"type": "done", "id": "1"}',
  ])("the host refuses a child line of the wrong shape: %s", (line) => {
    expect(parseChildMessage(line)).toBeUndefined();
  });

  test("the child refuses a host line of the wrong shape", () => {
    expect(parseHostMessage('{"type": "run", "id": 1, "code": "x", "tools": [1], "settings": {}}')).toBeUndefined();
    expect(parseHostMessage('{"type": "stop", "id": 1, "reason": "bored"}')).toBeUndefined();
  });
});
