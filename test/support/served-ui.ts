/** The web UI served on a free port of 127.0.0.1 for the length of a browser test or script, and the agents they show. */
import type { OnApproval } from "../../src/agents/approval.js";
import { CodeAgent } from "../../src/agents/code-agent.js";
import { ScriptedModel } from "../../src/models/scripted-model.js";
import type { Tool } from "../../src/tools/tool.js";
import { serveUi, type CreateAgent } from "../../src/ui/index.js";

/** Serves the UI with `createAgent` while `use` runs with its address (token included), then closes it. */
export async function whileServingUi(createAgent: CreateAgent, use: (url: string) => Promise<void>): Promise<void> {
  const stop = new AbortController();
  let listening!: (url: string) => void;
  const address = new Promise<string>((resolve) => (listening = resolve));
  const serving = serveUi({ createAgent, port: 0, onListening: listening, signal: stop.signal });
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
