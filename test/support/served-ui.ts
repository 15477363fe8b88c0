/** The web UI served on a free port of 127.0.0.1 for the length of a browser test or script, and the agents they show. */
import type { OnApproval } from "../../src/agents/approval.js";
import { CodeAgent } from "../../src/agents/code-agent.js";
import { z } from "zod";

import { ScriptedModel } from "../../src/models/scripted-model.js";
import { tool, type Tool } from "../../src/tools/tool.js";
import { serveUi, type CreateAgent, type UiServerOptions } from "../../src/ui/index.js";

/**
 * Serves the UI with `createAgent` (and `more`: a queue to show) while `use` runs with its address
 * (token included), then closes it.
 */
export async function whileServingUi(createAgent: CreateAgent, use: (url: string) => Promise<void>, more: Pick<UiServerOptions, "queue" | "queueName"> = {}): Promise<void> {
  const stop = new AbortController();
  let listening!: (url: string) => void;
  const address = new Promise<string>((resolve) => (listening = resolve));
  const serving = serveUi({ ...more, createAgent, port: 0, onListening: listening, signal: stop.signal });
  try {
    const url = await Promise.race([address, serving.then(() => Promise.reject(new Error("The web UI stopped before it listened.")))]);
    await use(url);
  } finally {
    stop.abort();
    await serving;
  }
}

/** The sub-agent of {@link managerAndSubAgent}. */
export interface SubAgentScript {
  name: string;
  description: string;
  tools: Tool[];
  /** Its model's replies, in order. */
  replies: string[];
}

/**
 * A manager and the one sub-agent it may call, in QuickJS sandboxes, each with a ScriptedModel
 * replaying its replies; both ask `onApproval` (the page) about calls that need it.
 */
export function managerAndSubAgent(onApproval: OnApproval, managerReplies: string[], subAgent: SubAgentScript): CodeAgent {
  const managed = new CodeAgent({
    model: new ScriptedModel(subAgent.replies),
    executor: "quickjs",
    tools: subAgent.tools,
    name: subAgent.name,
    description: subAgent.description,
    onApproval,
  });
  return new CodeAgent({ model: new ScriptedModel(managerReplies), executor: "quickjs", managedAgents: [managed], onApproval });
}

/** A tool that moves money and needs a person's approval; `calls` gets each amount moved. */
export function transferTool(calls: number[] = []): Tool {
  return tool({
    name: "transfer",
    description: "Moves money; needs a person's approval.",
    inputSchema: z.object({ amount: z.number() }),
    needsApproval: true,
    execute: ({ amount }) => {
      calls.push(amount);
      return `moved ${amount}`;
    },
  });
}

/**
 * A StepScriptModel script for queued runs: step 1 asks for the transfer the task names ("Pay 5"),
 * a refusal caught in the code; step 2 answers with what happened.
 */
export function payScript(task: string, replyIndex: number): string {
  const amount = Number(/(\d+)/.exec(task)?.[1] ?? 5);
  return replyIndex === 0
    ? `<code>\nvar done;\ntry { done = transfer({ amount: ${amount} }); } catch (error) { done = "refused: " + error.message; }\n</code>`
    : `<code>\nfinal_answer(done);\n</code>`;
}
