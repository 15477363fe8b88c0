import { describe, expect, test } from "vitest";

import { ScriptExhaustedError } from "../errors.js";
import { ScriptedExecutor } from "./scripted-executor.js";

describe("ScriptedExecutor", () => {
  test("answers each run from its script, in order, and records what it was sent", async () => {
    const executor = new ScriptedExecutor([
      { output: 1, logs: "one\n", isFinalAnswer: false },
      (code) => ({ output: code.length, logs: "", isFinalAnswer: true }),
    ]);
    await executor.sendVariables({ city: "Oslo" });
    expect(await executor.run("x = 1")).toEqual({ output: 1, logs: "one\n", isFinalAnswer: false });
    expect(await executor.run("final_answer(42)")).toEqual({ output: 16, logs: "", isFinalAnswer: true });
    expect(executor.runs.map((run) => run.code)).toEqual(["x = 1", "final_answer(42)"]);
    expect(executor.sentVariables).toEqual([{ city: "Oslo" }]);
    expect(executor.remaining).toBe(0);
  });

  test("an exhausted script is an error that says what to add", async () => {
    const executor = new ScriptedExecutor([]);
    await expect(executor.run("1")).rejects.toThrow(ScriptExhaustedError);
    await expect(executor.run("1")).rejects.toThrow(/no answer left for run 2/);
  });

  test("an aborted run says so without using an answer; runs take turns", async () => {
    const order: string[] = [];
    const executor = new ScriptedExecutor([
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        order.push("first");
        return { output: null, logs: "", isFinalAnswer: false };
      },
      () => (order.push("second"), { output: null, logs: "", isFinalAnswer: false }),
    ]);
    const aborted = await executor.run("x", { signal: AbortSignal.abort() });
    expect(aborted.error?.type).toBe("AbortError");
    await Promise.all([executor.run("a"), executor.run("b")]);
    expect(order).toEqual(["first", "second"]);
  });

  test("a closed executor refuses to run", async () => {
    const executor = new ScriptedExecutor([{ output: 1, logs: "", isFinalAnswer: false }]);
    await executor.close();
    await expect(executor.run("1")).rejects.toThrow(/closed/);
  });
});
