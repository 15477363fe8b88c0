import { describe, expect, test } from "vitest";

import { missingCodeMessage, parseCode } from "./parse-code.js";

describe("parseCode", () => {
  test("reads code between the default tags", () => {
    expect(parseCode("Thought: add.\n<code>\nx = 1 + 1\nprint(x)\n</code>")).toBe("x = 1 + 1\nprint(x)");
  });

  test("a reply cut before its closing tag still yields its code", () => {
    expect(parseCode("Thought: go.\n<code>\nprint('hi')\n")).toBe("print('hi')");
  });

  test("several blocks are joined in order", () => {
    expect(parseCode("<code>a = 1</code> then <code>b = a + 1</code>")).toBe("a = 1\n\nb = a + 1");
  });

  test.each(["py", "python", "js", ""])("markdown fences (```%s) are accepted", (language) => {
    expect(parseCode(`Thought.\n\`\`\`${language}\nx = 2\n\`\`\`\nmore text`)).toBe("x = 2");
  });

  test("a fence inside the tags is unwrapped", () => {
    expect(parseCode("<code>\n```python\nx = 3\n```\n</code>")).toBe("x = 3");
  });

  test("custom tags", () => {
    expect(parseCode("<run>y = 4</run>", ["<run>", "</run>"])).toBe("y = 4");
    expect(parseCode("<code>nope</code>", ["<run>", "</run>"])).toBeUndefined();
  });

  test("no code, or only blank code, is undefined", () => {
    expect(parseCode("I think the answer is 4.")).toBeUndefined();
    expect(parseCode("<code>\n   \n</code>")).toBeUndefined();
  });

  test("shared indentation is removed", () => {
    expect(parseCode("<code>\n    if x:\n        y = 1\n</code>")).toBe("if x:\n    y = 1");
  });

  test("the reminder shows the tags", () => {
    expect(missingCodeMessage(["<run>", "</run>"])).toContain("<run>");
  });
});
