import { describe, expect, it } from "vitest";

import { TERMINAL_ESCAPES, UNSAFE_FOR_TERMINAL } from "../../test/fixtures/cli/terminal-escapes.js";
import { createStreamSanitizer, escapeJsonForTerminal, sanitizeText } from "./sanitize-text.js";

describe("sanitizeText", () => {
  it.each(TERMINAL_ESCAPES)("removes $name whole, payload included", ({ text, unterminated }) => {
    const cleaned = sanitizeText(`before ${text} after`);
    expect(cleaned).not.toMatch(UNSAFE_FOR_TERMINAL);
    expect(cleaned).not.toContain("payload");
    if (unterminated) expect(cleaned).toBe("before ");
    else expect([cleaned.startsWith("before "), cleaned.endsWith(" after")]).toEqual([true, true]);
  });

  it("keeps text, tabs, newlines and non-Latin scripts; carriage returns become line breaks", () => {
    expect(sanitizeText("a\tb\nc\r\nd\re — ж 字 مرحبا \u200f")).toBe("a\tb\nc\nd\ne — ж 字 مرحبا \u200f");
  });

  it("keeps the visible text of a hyperlink and ends an OSC at the next escape", () => {
    expect(sanitizeText("\u001b]8;;https://x.example/\u001b\\click\u001b]8;;\u001b\\")).toBe("click");
    expect(sanitizeText("\u001b]0;title\u001b[31mred")).toBe("red");
  });

  it("runs in linear time on many unterminated sequences", () => {
    const hostile = "\u001b]".repeat(200_000) + "\u001b[".repeat(200_000) + "\u009d".repeat(200_000);
    const started = performance.now();
    expect(sanitizeText(hostile)).toBe("");
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe("escapeJsonForTerminal", () => {
  it.each(TERMINAL_ESCAPES)("leaves nothing a terminal acts on in JSON of $name, and parses back the same", ({ text }) => {
    const json = escapeJsonForTerminal(JSON.stringify({ text }));
    expect(json).not.toMatch(UNSAFE_FOR_TERMINAL);
    expect(JSON.parse(json)).toEqual({ text });
  });
});

describe("createStreamSanitizer", () => {
  it.each(TERMINAL_ESCAPES)("removes $name whole even when the stream cuts it anywhere", ({ text }) => {
    const whole = `before\r\n${text}\r after`;
    for (const size of [1, 2, 3, 5, 8]) {
      const sanitizer = createStreamSanitizer();
      let out = "";
      for (let start = 0; start < whole.length; start += size) out += sanitizer.push(whole.slice(start, start + size));
      out += sanitizer.flush();
      expect(out).toBe(sanitizeText(whole));
    }
  });

  it("holds back no more than 4,096 characters of an unterminated sequence", () => {
    const sanitizer = createStreamSanitizer();
    expect(sanitizer.push("ok \u001b]0;")).toBe("ok ");
    expect(sanitizer.push("x".repeat(5_000))).toBe("");
    expect(sanitizer.push("visible")).toBe("visible");
  });
});
