/**
 * The web UI in a real browser (Debian's chromium, driven by playwright-core) against a real
 * QuickJS sandbox and a ScriptedModel: steps appear as they happen, the final answer shows, a
 * sub-agent's steps nest under the call, Stop interrupts, Approve lets a call run, a reload
 * restores the conversation, attached files show by name and reach the run, and the page cannot
 * be opened without the token.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";

import { CodeAgent } from "../src/agents/code-agent.js";
import { ScriptedModel } from "../src/models/scripted-model.js";
import { tool } from "../src/tools/tool.js";
import type { CreateAgent } from "../src/ui/index.js";
import { managerAndSubAgent, whileServingUi } from "./support/served-ui.js";

const CHROMIUM = "/usr/bin/chromium";
const code = (...lines: string[]) => ["Let me work on it.", "<code>", ...lines, "</code>"].join("\n");

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}, 30_000);
afterAll(async () => {
  await browser?.close();
});

/** Serves the UI with `createAgent` for the length of `use`, with a fresh page at its address. */
async function withUi(createAgent: CreateAgent, use: (page: Page, url: string) => Promise<void>): Promise<void> {
  await whileServingUi(createAgent, async (url) => {
    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    try {
      await use(page, url);
    } finally {
      await page.close();
    }
  });
}

async function sendTask(page: Page, task: string): Promise<void> {
  await page.fill("#task", task);
  await page.click("#send");
}

describe.skipIf(!existsSync(CHROMIUM))("web UI in a browser", () => {
  test("a run appears step by step with code, logs, a sub-agent nested under its call, totals and the final answer; a reload restores it", async () => {
    const capital = tool({
      name: "capital_of",
      description: "The capital city of a country.",
      inputSchema: z.object({ country: z.string() }),
      execute: ({ country }) => ({ France: "Paris" })[country] ?? "unknown",
    });
    const createAgent: CreateAgent = ({ onApproval }) =>
      managerAndSubAgent(
        onApproval,
        [
          code("// count to three", 'for (const n of [1, 2, 3]) console.log("counting", n);'),
          code('const city = researcher({ task: "Capital of France?" });', "final_answer(`The capital is ${city}.`);"),
        ],
        { name: "researcher", description: "Looks up capitals.", tools: [capital], replies: [code('const city = capital_of({ country: "France" });', "final_answer(city);")] },
      );
    await withUi(createAgent, async (page, url) => {
      await page.goto(url);
      expect(page.url()).not.toContain("token=");
      await sendTask(page, "What is the capital of France? Count first.");
      const answer = page.locator("#transcript > .final-answer");
      await expect.poll(() => answer.textContent()).toContain("The capital is Paris.");
      await expect.poll(() => page.locator("#run-state").textContent()).toBe("success");
      expect(await page.locator("#transcript > details.step").count()).toBe(2);
      expect(await page.locator("pre.code .hl-comment").first().textContent()).toBe("// count to three");
      expect(await page.locator("pre.logs").first().textContent()).toContain("counting 3");
      // The researcher's step sits inside the manager's step 2, with its own answer.
      const nested = page.locator("#transcript > details.step").nth(1).locator("details.subagent");
      expect(await nested.locator("summary").first().textContent()).toContain("researcher");
      expect(await nested.locator(".tool").first().textContent()).toContain("capital_of");
      expect(Number(await page.locator("#tokens-in").textContent())).toBeGreaterThan(0);
      expect(await page.locator(".tool").first().textContent()).toBe('→ researcher({"task":"Capital of France?"})');
      await page.setViewportSize({ width: 1280, height: 1100 });
      await page.screenshot({ path: ".scratch/ui-screenshot.png", fullPage: true });

      await page.reload();
      await expect.poll(() => answer.textContent()).toContain("The capital is Paris.");
      expect(await page.locator(".user").textContent()).toBe("What is the capital of France? Count first.");
      expect(await page.locator("#transcript > details.step").count()).toBe(2);

      // A second conversation has its own agent; deleting it leaves the first.
      await page.click("#new-conversation");
      await expect.poll(() => page.locator("#conversations li").count()).toBe(2);
      expect(await page.locator("#transcript").textContent()).toBe("");
      await page.locator("#conversations li.selected .delete").click();
      await expect.poll(() => page.locator("#conversations li").count()).toBe(1);
      await expect.poll(() => answer.textContent()).toContain("The capital is Paris.");
    });
  }, 60_000);

  test("Stop ends the run after its step, and Resume continues it", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const hold = tool({ name: "hold", description: "Waits.", inputSchema: z.object({}), execute: async () => (await held, "released") });
    const model = new ScriptedModel([code('console.log(hold({}));'), code('final_answer("resumed and done");')]);
    await withUi(({ onApproval }) => new CodeAgent({ model, executor: "quickjs", tools: [hold], onApproval }), async (page, url) => {
      await page.goto(url);
      await sendTask(page, "Hold on.");
      await page.locator(".tool", { hasText: "→ hold" }).waitFor();
      await page.click("#stop");
      await expect.poll(() => page.locator("#run-state").textContent()).toBe("stopping after this step");
      release();
      await expect.poll(() => page.locator("#run-state").textContent()).toBe("interrupted");
      expect(model.remaining).toBe(1);
      expect(await page.locator("pre.logs").textContent()).toContain("released");
      await page.locator(".run-summary button", { hasText: "Resume" }).click();
      await expect.poll(() => page.locator("#transcript > .final-answer").textContent()).toContain("resumed and done");
    });
  }, 60_000);

  test("attached files show by name in the conversation; the image goes to the model, the CSV to the code", async () => {
    const model = new ScriptedModel([code('final_answer(files["data.csv"].trim() + " / " + Object.keys(files).join(","));')]);
    await withUi(({ onApproval }) => new CodeAgent({ model, executor: "quickjs", onApproval }), async (page, url) => {
      await page.goto(url);
      await page.setInputFiles("#files", [
        { name: "data.csv", mimeType: "text/csv", buffer: Buffer.from("a,b\n1,2\n") },
        { name: "<b>bold<b>.png", mimeType: "image/png", buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47]) },
      ]);
      await expect.poll(() => page.locator("#attached").textContent()).toBe("data.csv, <b>bold<b>.png");
      await sendTask(page, "Read the CSV.");
      await expect.poll(() => page.locator("#transcript > .final-answer").textContent()).toContain("a,b\n1,2 / data.csv");
      // Names are text, never markup.
      expect(await page.locator(".user .attachments").textContent()).toBe("Attached: data.csv, <b>bold<b>.png");
      expect(await page.locator(".user b").count()).toBe(0);
      expect(await page.locator("#attached").textContent()).toBe("");
      const images = model.calls[0]!.messages.flatMap((message) => (typeof message.content === "string" ? [] : message.content)).filter((part) => part.type === "image");
      expect(images).toEqual([expect.objectContaining({ mediaType: "image/png", image: "data:image/png;base64,iVBORw==" })]);
    });
  }, 60_000);

  test("a second Stop ends the run at once, in the middle of its step", async () => {
    const hold = tool({ name: "hold", description: "Waits forever.", inputSchema: z.object({}), execute: () => new Promise<string>(() => undefined) });
    const model = new ScriptedModel([code("hold({});")]);
    await withUi(({ onApproval }) => new CodeAgent({ model, executor: "quickjs", tools: [hold], onApproval }), async (page, url) => {
      await page.goto(url);
      await sendTask(page, "Hold forever.");
      await page.locator(".tool", { hasText: "→ hold" }).waitFor();
      await page.click("#stop");
      await page.click("#stop");
      // The abort ends the code's run inside the step (an error in it), and the run ends there.
      await expect.poll(() => page.locator("#run-state").textContent()).toBe("interrupted");
      expect(await page.locator("pre.error").textContent()).toMatch(/abort|stopped/i);
      expect(await page.locator("#send").isEnabled()).toBe(true);
    });
  }, 60_000);

  test("a call that needs approval waits for Approve, then runs; Refuse refuses the next", async () => {
    const deleted: string[] = [];
    const deleteFile = tool({
      name: "delete_file",
      description: "Deletes a file.",
      inputSchema: z.object({ path: z.string() }),
      needsApproval: true,
      execute: ({ path }) => (deleted.push(path), `deleted ${path}`),
    });
    const model = new ScriptedModel([
      code('const first = delete_file({ path: "old.txt" });', 'let second; try { delete_file({ path: "keep.txt" }); } catch (error) { second = "refused"; }', "final_answer(`${first}; keep.txt ${second}`);"),
    ]);
    await withUi(({ onApproval }) => new CodeAgent({ model, executor: "quickjs", tools: [deleteFile], onApproval }), async (page, url) => {
      await page.goto(url);
      await sendTask(page, "Delete old.txt.");
      const approval = page.locator(".approval").first();
      expect(await approval.locator("pre").textContent()).toContain('"path": "old.txt"');
      expect(deleted).toEqual([]);
      await approval.locator("button", { hasText: "Approve" }).click();
      await page.locator(".approval").nth(1).locator("button", { hasText: "Refuse" }).click();
      await expect.poll(() => page.locator("#transcript > .final-answer").textContent()).toContain("deleted old.txt; keep.txt refused");
      expect(deleted).toEqual(["old.txt"]);
      expect(await approval.textContent()).toContain("Approved.");
    });
  }, 60_000);

  test("a sub-agent's call that needs approval shows Approve / Refuse in its step, nested under the manager's call; Approve lets its run go on", async () => {
    const sent: string[] = [];
    const sendMail = tool({
      name: "send_mail",
      description: "Sends an email.",
      inputSchema: z.object({ to: z.string() }),
      needsApproval: true,
      execute: ({ to }) => (sent.push(to), `sent to ${to}`),
    });
    const createAgent: CreateAgent = ({ onApproval }) =>
      managerAndSubAgent(onApproval, [code('final_answer(mailer({ task: "Mail Ada." }));')], {
        name: "mailer",
        description: "Sends mail.",
        tools: [sendMail],
        replies: [code('const receipt = send_mail({ to: "ada@example.com" });', "final_answer(receipt);")],
      });
    await withUi(createAgent, async (page, url) => {
      await page.goto(url);
      await sendTask(page, "Have the mailer write to Ada.");
      const approval = page.locator("#transcript > details.step details.subagent details.step .approval");
      await approval.waitFor();
      expect(await page.locator(".approval").count()).toBe(1);
      expect(await approval.locator("pre").textContent()).toBe('send_mail({\n  "to": "ada@example.com"\n})');
      expect(await page.locator("details.subagent > summary").textContent()).toContain("mailer");
      expect(sent).toEqual([]);
      expect(await page.locator("#run-state").textContent()).toBe("running");
      await approval.locator("button", { hasText: "Approve" }).click();
      await expect.poll(() => page.locator("#transcript > .final-answer").textContent()).toContain("sent to ada@example.com");
      expect(sent).toEqual(["ada@example.com"]);
      expect(await approval.textContent()).toContain("Approved.");
      expect(await approval.locator("button").count()).toBe(0);
      expect(await page.locator("details.subagent .final-answer").textContent()).toContain("sent to ada@example.com");
    });
  }, 60_000);

  test("a saved memory opens as a conversation showing its steps, and the next message continues from it; a bad file shows why", async () => {
    const earlier = new CodeAgent({
      model: new ScriptedModel([code('console.log("looked it up");', 'final_answer("Paris");')]),
      executor: "quickjs",
    });
    await earlier.run("Capital of France?");
    await earlier.close();
    const saved = Buffer.from(JSON.stringify(earlier.memory));
    const model = new ScriptedModel([code('final_answer("Rome, after Paris");')]);
    await withUi(({ onApproval }) => new CodeAgent({ model, executor: "quickjs", onApproval }), async (page, url) => {
      await page.goto(url);
      await page.setInputFiles("#memory-file", { name: "broken.json", mimeType: "application/json", buffer: Buffer.from("{ version: 1") });
      await expect.poll(() => page.locator(".failure").textContent()).toMatch(/Could not open broken\.json: The file is not JSON/);

      await page.setInputFiles("#memory-file", { name: "france.json", mimeType: "application/json", buffer: saved });
      await expect.poll(() => page.locator("#run-state").textContent()).toBe("opened");
      expect(await page.locator(".user").first().textContent()).toBe("Capital of France?");
      expect(await page.locator("#transcript > details.step").count()).toBe(1);
      expect(await page.locator("pre.logs").textContent()).toContain("looked it up");
      expect(await page.locator("#transcript > .final-answer").textContent()).toContain("Paris");
      expect(await page.locator(".run-summary.opened").textContent()).toContain("Opened france.json (3 steps)");
      expect(await page.locator("#conversations li.selected").textContent()).toContain("Capital of France?");

      await sendTask(page, "And of Italy?");
      await expect.poll(() => page.locator("#transcript > .final-answer").nth(1).textContent()).toContain("Rome, after Paris");
      expect(await page.locator("#transcript > details.step").count()).toBe(2);
      expect(await page.locator("#transcript > details.step summary").nth(1).textContent()).toContain("Step 2");
      expect(JSON.stringify(model.calls[0]!.messages)).toContain("looked it up");
    });
  }, 60_000);

  test("without the token the page is refused", async () => {
    await withUi(({ onApproval }) => new CodeAgent({ model: new ScriptedModel([]), executor: "quickjs", onApproval }), async (page, url) => {
      const response = await page.goto(url.replace(/\?token=.*$/, ""));
      expect(response?.status()).toBe(401);
      const api = await page.request.get(new URL("/api/conversations", url).href);
      expect(api.status()).toBe(401);
    });
  }, 30_000);
});
