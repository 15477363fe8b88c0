/**
 * executorOptions are typed per sandbox: checked by `npm run typecheck` (the @ts-expect-error
 * lines fail it if a wrong option were accepted), and run to show the options reach the sandbox.
 */
import { expect, test } from "vitest";

import { CodeAgent } from "../src/agents/code-agent.js";
import { ScriptedModel } from "../src/models/scripted-model.js";

const model = new ScriptedModel([]);

test("each sandbox takes its own options, and only those", async () => {
  const local = new CodeAgent({ model, tools: [], executor: "local-python", executorOptions: { python: "/nonexistent/python3", timeoutMs: 1000 } });
  // @ts-expect-error: QuickJS has no `python` option
  const wrong = new CodeAgent({ model, tools: [], executor: "quickjs", executorOptions: { python: "python3" } });
  await wrong.close();
  // A registered name without a typed entry takes any options.
  const custom = new CodeAgent<"my-sandbox">({ model, tools: [], executorOptions: { anything: 1 } });
  expect(custom).toBeInstanceOf(CodeAgent);
  // The option reached the sandbox: the interpreter it names is the one that is missing.
  await expect(local.run("x")).rejects.toThrow(/nonexistent\/python3/);
  await local.close();
});
