/**
 * `codeagent ui`: its flags, and the command itself serving the page on 127.0.0.1 with the token
 * in the address it prints, until Ctrl-C.
 */
import { describe, expect, test } from "vitest";

import { parseCliArguments, UsageError } from "../src/cli/cli-arguments.js";
import { EXIT } from "../src/cli/run-cli.js";
import { uiFromCli } from "./support/ui-from-cli.js";

describe("codeagent ui", () => {
  test("flags: port 7860 by default, 0 allowed, the sandbox and model flags taken, output flags refused", () => {
    expect(parseCliArguments(["ui"])).toMatchObject({ kind: "ui", port: 7860, sandbox: { executor: "pyodide" } });
    expect(parseCliArguments(["ui", "--port", "0", "--lang", "javascript", "--model", "ollama:qwen3"])).toMatchObject({
      kind: "ui",
      port: 0,
      sandbox: { executor: "quickjs", language: "javascript" },
      model: { spec: "ollama:qwen3" },
    });
    expect(() => parseCliArguments(["ui", "--json"])).toThrow(UsageError);
    expect(() => parseCliArguments(["ui", "--port", "seven"])).toThrow(/--port takes a whole number/);
    expect(() => parseCliArguments(["ui", "extra"])).toThrow(UsageError);
  });

  test("serves the page at the printed address, which carries the token; Ctrl-C ends it", async () => {
    const ui = await uiFromCli(["--port", "0", "--executor", "quickjs"]);
    const url = ui.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/);
    expect((await fetch(url.replace(/\?token=.*/, ""))).status).toBe(401);
    const opened = await fetch(url, { redirect: "manual" });
    expect(opened.status).toBe(303);
    const cookie = opened.headers.get("set-cookie")!.split(";")[0]!;
    expect((await fetch(new URL("/api/conversations", url), { headers: { cookie } })).status).toBe(200);
    ui.interrupt();
    expect(await ui.exit).toBe(EXIT.interrupted);
  }, 30_000);
});
