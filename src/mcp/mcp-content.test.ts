import { describe, expect, test } from "vitest";

import { McpToolResultError, resultValue } from "./mcp-content.js";

describe("resultValue", () => {
  test("structured content wins over the text that mirrors it", () => {
    expect(resultValue({ content: [{ type: "text", text: '{"a":1}' }], structuredContent: { a: 1 } })).toEqual({ a: 1 });
  });

  test("one text item is a string; several are joined; none is null", () => {
    expect(resultValue({ content: [{ type: "text", text: "hi" }] })).toBe("hi");
    expect(resultValue({ content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] })).toBe("a\nb");
    expect(resultValue({ content: [] })).toBeNull();
  });

  test("mixed content is a list; images are codeagent images; resource links keep their address", () => {
    const value = resultValue({
      content: [
        { type: "text", text: "see" },
        { type: "image", data: Buffer.from([1, 2, 3]).toString("base64"), mimeType: "image/jpeg" },
        { type: "resource_link", uri: "file:///a.txt", name: "a.txt" },
      ],
    }) as unknown[];
    expect(value[0]).toBe("see");
    expect(value[1]).toEqual({ type: "image", image: Buffer.from([1, 2, 3]), mediaType: "image/jpeg" });
    expect(value[2]).toEqual({ type: "resource_link", uri: "file:///a.txt", name: "a.txt" });
  });

  test("an error result throws the server's text", () => {
    expect(() => resultValue({ content: [{ type: "text", text: "no such file" }], isError: true })).toThrow(McpToolResultError);
    expect(() => resultValue({ content: [{ type: "text", text: "no such file" }], isError: true })).toThrow("no such file");
    expect(() => resultValue({ isError: true })).toThrow(/without a message/);
  });
});
