/**
 * Takes the web UI's screenshots for the docs: a run with a nested sub-agent, an approval waiting
 * for a click, and an opened saved memory, each against ScriptedModels and a QuickJS sandbox, in
 * Debian's chromium driven by playwright-core. Not a test: run it by hand after a change to the page.
 *
 *   node_modules/.bin/vite-node test/support/ui-screenshots.ts [OUTPUT_DIR]   (default docs/screenshots)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";

import { chromium, type Page } from "playwright-core";
import { z } from "zod";

import { CodeAgent } from "../../src/agents/code-agent.js";
import { ScriptedModel } from "../../src/models/scripted-model.js";
import { tool } from "../../src/tools/tool.js";
import type { CreateAgent } from "../../src/ui/index.js";
import { managerAndSubAgent, whileServingUi } from "./served-ui.js";

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

/** Serves the UI with `createAgent` while `use` drives a page at its address. */
async function withUi(createAgent: CreateAgent, use: (page: Page) => Promise<void>): Promise<void> {
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
  });
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
