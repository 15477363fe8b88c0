import { expect, test } from "vitest";

import { describeServer } from "./mcp-client.js";

test("a server's description, which errors show the model, hides keys in its address and arguments", () => {
  expect(describeServer({ url: "https://user:pw@mcp.example.com/mcp?api_key=sk-SECRET" })).toBe("https://mcp.example.com/mcp?…");
  expect(describeServer({ url: "http://127.0.0.1:3000/mcp" })).toBe("http://127.0.0.1:3000/mcp");
  expect(describeServer({ command: "npx", args: ["-y", "server", "--api-key", "sk-SECRET", "--token=abc", "--verbose"] })).toBe("npx -y server --api-key … --token=… --verbose");
});
