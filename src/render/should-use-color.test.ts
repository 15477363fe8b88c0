import { describe, expect, it } from "vitest";

import { shouldUseColor } from "./should-use-color.js";

describe("shouldUseColor", () => {
  it("colours a TTY and nothing else", () => {
    expect(shouldUseColor({ isTTY: true }, {})).toBe(true);
    expect(shouldUseColor({ isTTY: false }, {})).toBe(false);
    expect(shouldUseColor({}, {})).toBe(false);
  });

  it("honours NO_COLOR when it is set and not empty", () => {
    expect(shouldUseColor({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(shouldUseColor({ isTTY: true }, { NO_COLOR: "" })).toBe(true);
  });

  it("honours FORCE_COLOR, even off a TTY, unless it says 0 or false", () => {
    expect(shouldUseColor({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(shouldUseColor({ isTTY: false }, { FORCE_COLOR: "" })).toBe(true);
    expect(shouldUseColor({ isTTY: true }, { FORCE_COLOR: "0" })).toBe(false);
    expect(shouldUseColor({ isTTY: true }, { FORCE_COLOR: "false" })).toBe(false);
  });

  it("does not colour a dumb terminal", () => {
    expect(shouldUseColor({ isTTY: true }, { TERM: "dumb" })).toBe(false);
  });
});
