/**
 * Takes the web UI's screenshots for the docs: a run with a nested sub-agent, an approval waiting
 * for a click, an opened saved memory, and the queue of durable runs with one waiting for
 * approval (a redis-server and an in-process worker), each against scripted models and a QuickJS
 * sandbox, in Debian's chromium driven by playwright-core. Not a test: run it by hand after a
 * change to the page.
 *
 *   node_modules/.bin/vite-node test/support/ui-screenshots.ts [OUTPUT_DIR]   (default docs/screenshots)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";

import { chromium, type Page } from "playwright-core";
import { z } from "zod";

import { CodeAgent } from "../../src/agents/code-agent.js";
import { AgentQueue, AgentWorker } from "../../src/jobs/index.js";
import { ScriptedModel } from "../../src/models/scripted-model.js";
import { tool } from "../../src/tools/tool.js";
import type { CreateAgent, UiServerOptions } from "../../src/ui/index.js";
import { startRedisServer } from "./redis-server.mjs";
import { managerAndSubAgent, payScript, transferTool, whileServingUi } from "./served-ui.js";
import { StepScriptModel } from "./step-script-model.mjs";

const outputDir = process.argv[2] ?? "docs/screenshots";
const VIEWPORT = { width: 1200, height: 820 };
const reply = (thought: string, ...lines: string[]) => [thought, "<code>", ...lines, "</code>"].join("\n");

const lookUp = tool({
  name: "population_of",
  description: "The population of a city, in millions.",
  inputSchema: z.object({ city: z.string() }),
  execute: ({ city }) => ({ Paris: 2.1, Rome: 2.8 })[city] ?? 0,
});

const sendMail = tool({
  name: "send_mail",
  description: "Sends an email to one person.",
  inputSchema: z.object({ to: z.string(), subject: z.string() }),
  needsApproval: true,
  execute: ({ to }) => `sent to ${to}`,
});

/** A manager that counts, then asks its researcher, who calls a tool. */
const researchTeam: CreateAgent = ({ onApproval }) =>
  managerAndSubAgent(
    onApproval,
    [
      reply("First I list the cities to compare.", "// the two capitals", 'const cities = ["Paris", "Rome"];', 'console.log("comparing", cities.join(" and "));'),
      reply("The researcher can look up their populations.", 'const figures = researcher({ task: "Populations of Paris and Rome, in millions?" });', "final_answer(`Rome is larger: ${figures.rome} million against ${figures.paris} million.`);"),
    ],
    {
      name: "researcher",
      description: "Looks up facts about cities.",
      tools: [lookUp],
      replies: [reply("I will look up both populations.", 'const paris = population_of({ city: "Paris" });', 'const rome = population_of({ city: "Rome" });', 'console.log("Paris", paris, "Rome", rome);', "final_answer({ paris, rome });")],
    },
  );

/** A manager whose mailer needs approval to send. */
const mailTeam: CreateAgent = ({ onApproval }) =>
  managerAndSubAgent(onApproval, [reply("The mailer sends mail.", 'final_answer(mailer({ task: "Send Ada the weekly summary." }));')], {
    name: "mailer",
    description: "Sends mail.",
    tools: [sendMail],
    replies: [reply("I will send the summary.", 'const receipt = send_mail({ to: "ada@example.com", subject: "Weekly summary" });', "final_answer(receipt);")],
  });

/** Serves the UI with `createAgent` (and `more`: a queue) while `use` drives a page at its address. */
async function withUi(createAgent: CreateAgent, use: (page: Page) => Promise<void>, more: Pick<UiServerOptions, "queue" | "queueName"> = {}): Promise<void> {
  await whileServingUi(createAgent, async (url) => {
    const browser = await chromium.launch({ executablePath: execFileSync("which", ["chromium"], { encoding: "utf8" }).trim(), args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage({ viewport: VIEWPORT });
      page.setDefaultTimeout(15_000);
      await page.goto(url);
      await use(page);
    } finally {
      await browser.close();
    }
  }, more);
}

async function send(page: Page, task: string): Promise<void> {
  await page.fill("#task", task);
  await page.click("#send");
}

async function save(page: Page, name: string): Promise<void> {
  const path = join(outputDir, name);
  await page.screenshot({ path });
  console.log(`${path}  ${Math.round(statSync(path).size / 1024)} KB`);
}

/** A stored run to open: what "Download memory" saves. */
async function savedMemory(): Promise<Buffer> {
  const agent = new CodeAgent({
    model: new ScriptedModel([
      reply("I will compute the first primes.", "const primes = [];", "for (let n = 2; primes.length < 8; n++) if (primes.every((p) => n % p !== 0)) primes.push(n);", "console.log(primes.join(\", \"));"),
      reply("That is the list.", 'final_answer(primes.join(", "));'),
    ]),
    executor: "quickjs",
  });
  await agent.run("List the first eight primes.");
  await agent.close();
  return Buffer.from(JSON.stringify(agent.memory));
}

mkdirSync(outputDir, { recursive: true });

await withUi(researchTeam, async (page) => {
  await send(page, "Which is larger, Paris or Rome? Ask the researcher.");
  await page.locator("#transcript > .final-answer").waitFor();
  // Tall enough to show the whole run, from the message to the final answer.
  await page.setViewportSize({ width: VIEWPORT.width, height: 1560 });
  await save(page, "ui-run-with-sub-agent.png");
});

await withUi(mailTeam, async (page) => {
  await send(page, "Have the mailer send Ada the weekly summary.");
  await page.locator(".approval button", { hasText: "Approve" }).waitFor();
  await save(page, "ui-approval.png");
  await page.locator(".approval button", { hasText: "Approve" }).click();
  await page.locator("#transcript > .final-answer").waitFor();
});

const memory = await savedMemory();
await withUi(({ onApproval }) => new CodeAgent({ model: new ScriptedModel([]), executor: "quickjs", onApproval }), async (page) => {
  await page.setInputFiles("#memory-file", { name: "primes.json", mimeType: "application/json", buffer: memory });
  await page.locator(".run-summary.opened").waitFor();
  await page.fill("#task", "Now the next eight.");
  await page.locator(".user").first().scrollIntoViewIfNeeded();
  await save(page, "ui-opened-memory.png");
});

/** Queued runs: payments ask for approval of the transfer, other tasks add up figures. */
function queuedRunScript(task: string, replyIndex: number): string {
  if (/\bPay\b/.test(task)) return payScript(task, replyIndex);
  return replyIndex === 0 ? reply("I add up the invoices.", "const total = [120, 75.5, 310].reduce((sum, amount) => sum + amount, 0);", "console.log(total);") : reply("That is the total.", "final_answer(total);");
}

const redis = await startRedisServer();
const queueName = "accounts";
const worker = await AgentWorker.start({ redis: redis.url, queue: queueName, agent: { model: new StepScriptModel(queuedRunScript), executor: "quickjs", tools: [transferTool()] } });
const queue = new AgentQueue({ redis: redis.url, queue: queueName });
try {
  const untilState = async (runId: string, state: string) => {
    while ((await queue.status(runId)).state !== state) await new Promise((resolve) => setTimeout(resolve, 50));
  };
  await queue.result(await queue.enqueue("Add up this week's invoices."), { wait: true, timeoutMs: 30_000 });
  const unknown = await queue.enqueue("Pay 900 to the account in the unsigned email.");
  await untilState(unknown, "waiting-approval");
  await queue.cancel(unknown);
  await untilState(await queue.enqueue("Pay 120 to the cleaning company."), "waiting-approval");
  await withUi(
    ({ onApproval }) => new CodeAgent({ model: new ScriptedModel([]), executor: "quickjs", onApproval }),
    async (page) => {
      await page.click("#show-queue");
      await page.locator("#queue-runs .approval button", { hasText: "Approve" }).waitFor();
      await page.fill("#queue-runs .approval input.reason", "Invoice 2026-118, checked");
      await save(page, "ui-queue-approval.png");
    },
    { queue, queueName },
  );
} finally {
  await queue.close();
  await worker.close();
  await redis.stop();
}
