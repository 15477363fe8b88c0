import { describe, expect, test } from "vitest";

import { mcpSpecFromFlag, splitCommandLine } from "./command-line.js";

describe("splitCommandLine", () => {
  test.each([
    ["npx -y server", ["npx", "-y", "server"]],
    ["  node   server.mjs  ", ["node", "server.mjs"]],
    [`node "my server.mjs" --name 'a b'`, ["node", "my server.mjs", "--name", "a b"]],
    [`echo "say \\"hi\\"" it\\'s ''`, ["echo", 'say "hi"', "it's", ""]],
    [`'$HOME' "\\n"`, ["$HOME", "\\n"]],
  ])("%s", (line, words) => {
    expect(splitCommandLine(line)).toEqual(words);
  });

  test("an unclosed quote is an error", () => {
    expect(() => splitCommandLine(`node "server.mjs`)).toThrow(/double quote is not closed/);
  });
});

describe("mcpSpecFromFlag", () => {
  test("a URL is an HTTP server, anything else a command", () => {
    expect(mcpSpecFromFlag("http://127.0.0.1:3000/mcp")).toEqual({ url: "http://127.0.0.1:3000/mcp" });
    expect(mcpSpecFromFlag("HTTPS://example.org/mcp")).toEqual({ url: "HTTPS://example.org/mcp" });
    expect(mcpSpecFromFlag("npx -y server", { A: "1" })).toEqual({ command: "npx", args: ["-y", "server"], env: { A: "1" } });
    expect(() => mcpSpecFromFlag("   ")).toThrow(/needs a command line/);
  });
});
