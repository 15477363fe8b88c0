/**
 * Human approval: tools that declare needsApproval run only when the agent's onApproval says so;
 * a refusal raises inside the model's code with the reason (QuickJS sandbox, ScriptedModel).
 */
import { describe, expect, test } from "vitest";
import { z } from "zod";

import type { ApprovalRequest } from "../src/agents/approval.js";
import { CodeAgent } from "../src/agents/code-agent.js";
import type { AgentEvent } from "../src/agents/events.js";
import type { ActionStep } from "../src/agents/memory-steps.js";
import { ToolCallingAgent } from "../src/agents/tool-calling-agent.js";
import { ScriptedModel } from "../src/models/scripted-model.js";
import { tool } from "../src/tools/tool.js";

function fileTools(needsApproval: boolean | ((args: { path: string }) => boolean)) {
  const deleted: string[] = [];
  const deleteFile = tool({
    name: "delete_file",
    description: "Deletes a file.",
    inputSchema: z.object({ path: z.string() }),
    needsApproval,
    execute: ({ path }) => {
      deleted.push(path);
      return `deleted ${path}`;
    },
  });
  return { deleteFile, deleted };
}

async function runCode(code: string[], options: { needsApproval: boolean | ((args: { path: string }) => boolean); onApproval?: (request: ApprovalRequest) => boolean | string | Promise<boolean | string> }) {
  const { deleteFile, deleted } = fileTools(options.needsApproval);
  const model = new ScriptedModel(code.map((snippet) => `<code>\n${snippet}\n</code>`));
  const agent = new CodeAgent({ model, executor: "quickjs", tools: [deleteFile], ...(options.onApproval ? { onApproval: options.onApproval } : {}) });
  const events: AgentEvent[] = [];
  try {
    for await (const event of agent.stream("Clean up.")) events.push(event);
  } finally {
    await agent.close();
  }
  const finish = events.at(-1)!;
  const result = finish.type === "run-finish" ? finish.result : undefined!;
  return { result, events, deleted };
}

describe("needsApproval and onApproval", () => {
  test("a refusal with a reason raises in the model's code, the tool does not run, and both events are emitted", async () => {
    const asked: ApprovalRequest[] = [];
    const { result, events, deleted } = await runCode(
      ['try { delete_file({ path: "/home/me/notes.txt" }); } catch (error) { final_answer(error.message); }'],
      { needsApproval: true, onApproval: (request) => (asked.push(request), "keep my notes") },
    );
    expect(deleted).toEqual([]);
    expect(asked).toEqual([{ tool: "delete_file", args: { path: "/home/me/notes.txt" }, description: "Deletes a file.", signal: expect.any(AbortSignal) }]);
    expect(result.output).toContain("not approved: keep my notes");
    const approvals = events.filter((event) => event.type === "approval-request" || event.type === "approval-decision");
    expect(approvals).toEqual([
      { type: "approval-request", stepNumber: 1, tool: "delete_file", arguments: { path: "/home/me/notes.txt" } },
      { type: "approval-decision", stepNumber: 1, tool: "delete_file", approved: false, reason: "keep my notes" },
    ]);
    // The request comes after the code's call and before its result.
    const order = events.map((event) => event.type);
    expect(order.indexOf("tool-call")).toBeLessThan(order.indexOf("approval-request"));
    expect(order.indexOf("approval-decision")).toBeLessThan(order.indexOf("tool-result"));
  });

  test("an approved call runs; an async onApproval is awaited", async () => {
    const { result, deleted, events } = await runCode(['final_answer(delete_file({ path: "/tmp/junk" }));'], {
      needsApproval: true,
      onApproval: async () => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return true;
      },
    });
    expect(result.output).toBe("deleted /tmp/junk");
    expect(deleted).toEqual(["/tmp/junk"]);
    expect(events.find((event) => event.type === "approval-decision")).toMatchObject({ approved: true });
  });

  test("needsApproval as a function asks only for the calls it picks", async () => {
    const asked: string[] = [];
    const { result, deleted } = await runCode(
      ['delete_file({ path: "/tmp/a" });\nlet refused = "";\ntry { delete_file({ path: "/etc/passwd" }); } catch (error) { refused = error.message; }\nfinal_answer(refused);'],
      { needsApproval: ({ path }) => path.startsWith("/etc/"), onApproval: ({ args }) => (asked.push(String(args["path"])), false) },
    );
    expect(asked).toEqual(["/etc/passwd"]);
    expect(deleted).toEqual(["/tmp/a"]);
    expect(result.output).toMatch(/The call to delete_file was not approved\. Do not call/);
  });

  test("without onApproval a gated call is refused, telling the user to pass onApproval, and the model sees it", async () => {
    const { result, deleted } = await runCode(['delete_file({ path: "/tmp/a" });', 'final_answer("gave up");'], { needsApproval: true });
    expect(deleted).toEqual([]);
    const step = result.steps.find((candidate): candidate is ActionStep => candidate.type === "action" && candidate.error !== undefined);
    expect(step?.error?.message).toContain("Pass onApproval to the agent");
    expect(result.output).toBe("gave up");
  });

  test("an onApproval that throws refuses the call rather than running it", async () => {
    const { result, deleted } = await runCode(['try { delete_file({ path: "/x" }); } catch (error) { final_answer(error.message); }'], {
      needsApproval: true,
      onApproval: () => {
        throw new Error("terminal went away");
      },
    });
    expect(deleted).toEqual([]);
    expect(result.output).toContain("asking for approval failed: terminal went away");
  });

  test("the ToolCallingAgent applies the same gate to native tool calls", async () => {
    const { deleteFile, deleted } = fileTools(true);
    const agent = new ToolCallingAgent({
      model: new ScriptedModel([
        { role: "assistant", content: "", toolCalls: [{ id: "a", name: "delete_file", arguments: { path: "/srv/db" } }] },
        { role: "assistant", content: "", toolCalls: [{ id: "b", name: "final_answer", arguments: { answer: "left it" } }] },
      ]),
      tools: [deleteFile],
      onApproval: () => "production data",
    });
    const result = await agent.run("Tidy up.");
    expect(deleted).toEqual([]);
    const first = result.steps.find((step): step is ActionStep => step.type === "action")!;
    expect(first.observations).toContain("not approved: production data");
    expect(result.output).toBe("left it");
  });

  test("the agent's tools keep their names and schemas; gated copies do not ask twice when shared", async () => {
    const { deleteFile } = fileTools(true);
    let asked = 0;
    const first = new ToolCallingAgent({ model: new ScriptedModel([]), tools: [deleteFile], onApproval: () => (asked++, true) });
    const gated = first.tools[0]!;
    expect(gated.name).toBe("delete_file");
    expect(gated.parameters).toEqual(deleteFile.parameters);
    expect(gated.needsApproval).toBeUndefined();
    await gated.execute({ path: "/a" }, {});
    expect(asked).toBe(1);
  });
});

describe("an approval that comes too late", () => {
  test("a decision given after the run stopped waiting never runs the tool", async () => {
    const ran: string[] = [];
    const late = tool({
      name: "delete_file",
      description: "Deletes a file.",
      inputSchema: z.object({ path: z.string() }),
      needsApproval: true,
      execute: ({ path }) => void ran.push(path),
    });
    let sawSignal: AbortSignal | undefined;
    const model = new ScriptedModel(["<code>\ndelete_file({ path: '/home/me/important' })\n</code>", "<code>\nfinal_answer('gave up')\n</code>"]);
    const agent = new CodeAgent({
      model,
      tools: [late],
      executor: "quickjs",
      executorOptions: { timeoutMs: 300 },
      onApproval: async ({ signal }) => {
        sawSignal = signal;
        await new Promise((resolve) => setTimeout(resolve, 800));
        return true;
      },
    });
    try {
      const result = await agent.run("Delete it.");
      expect(result.output).toBe("gave up");
      await new Promise((resolve) => setTimeout(resolve, 900));
      expect(sawSignal?.aborted).toBe(true);
      expect(ran).toEqual([]);
    } finally {
      await agent.close();
    }
  });
});
