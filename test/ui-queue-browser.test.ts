/**
 * The web UI's queue view in a real browser (Debian's chromium, driven by playwright-core) against
 * a real redis-server and an in-process AgentWorker: a parked run shows its call with Approve;
 * clicking it resumes the run on the worker, and the opened run's events render until it completes.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { CodeAgent } from "../src/agents/code-agent.js";
import { AgentQueue, AgentWorker } from "../src/jobs/index.js";
import { ScriptedModel } from "../src/models/scripted-model.js";
import { startRedisServer, type RedisServer } from "./support/redis-server.mjs";
import { payScript, transferTool, whileServingUi } from "./support/served-ui.js";
import { StepScriptModel } from "./support/step-script-model.mjs";

const CHROMIUM = "/usr/bin/chromium";

let browser: Browser;
let redis: RedisServer;
beforeAll(async () => {
  [browser, redis] = await Promise.all([chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] }), startRedisServer()]);
}, 30_000);
afterAll(async () => {
  await browser?.close();
  await redis?.stop();
});

describe.skipIf(!existsSync(CHROMIUM))("web UI queue in a browser", () => {
  test("a parked run shows its call with Approve; clicking it completes the run, whose events render", async () => {
    const name = `ui-browser-${process.pid}`;
    const calls: number[] = [];
    const worker = await AgentWorker.start({ redis: redis.url, queue: name, agent: { model: new StepScriptModel(payScript), executor: "quickjs", tools: [transferTool(calls)] } });
    const queue = new AgentQueue({ redis: redis.url, queue: name });
    try {
      const runId = await queue.enqueue("Pay 42 to the plumber.");
      await expect.poll(async () => (await queue.status(runId)).state, { timeout: 15_000 }).toBe("waiting-approval");
      const createAgent = () => new CodeAgent({ model: new ScriptedModel([]), executor: "quickjs" });
      await whileServingUi(
        createAgent,
        async (url) => {
          const page = await browser.newPage();
          page.setDefaultTimeout(15_000);
          try {
            await page.goto(url);
            await page.locator("#show-queue").click();
            expect(await page.locator("#queue-name").textContent()).toBe(name);
            const row = page.locator(`#queue-runs tr[data-run="${runId}"]`);
            expect(await row.locator(".state").textContent()).toBe("waiting-approval");
            expect(await row.locator(".task").textContent()).toBe("Pay 42 to the plumber.");
            const approval = page.locator("#queue-runs .approval");
            expect(await approval.locator("pre").textContent()).toBe('transfer({\n  "amount": 42\n})');
            expect(await page.locator("#queue-waiting").textContent()).toBe("1");
            expect(calls).toEqual([]);

            await approval.locator("button", { hasText: "Approve" }).click();
            // The decided run opens and is followed to its end.
            await expect.poll(() => page.locator("#transcript > .final-answer").textContent()).toContain("moved 42");
            await expect.poll(() => page.locator("#run-state").textContent()).toBe("completed");
            expect(calls).toEqual([42]);
            expect(await page.locator("#transcript > .user").textContent()).toBe("Pay 42 to the plumber.");
            expect(await page.locator("#transcript pre.code").first().textContent()).toContain("transfer({ amount: 42 })");
            const lines = await page.locator("#transcript > .run-summary").allTextContents();
            expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^Parked until a person decides/), expect.stringMatching(/^Running on worker /), "Completed."]));
            // The parked call replayed from the start is shown settled, without buttons.
            expect(await page.locator("#transcript .approval button").count()).toBe(0);
            expect(await page.locator("#cancel-run").isDisabled()).toBe(true);
            // A reload shows the run again, from its start.
            await page.reload();
            await expect.poll(() => page.locator("#transcript > .final-answer").textContent()).toContain("moved 42");
            expect(await page.locator("#run-state").textContent()).toBe("completed");

            await page.locator("#back-to-queue").click();
            await expect.poll(() => row.locator(".state").textContent()).toBe("completed");
            expect(await page.locator("#queue-runs .approval").count()).toBe(0);
            expect(await page.locator("#queue-waiting").textContent()).toBe("");
          } finally {
            await page.close();
          }
        },
        { queue, queueName: name },
      );
    } finally {
      await queue.close();
      await worker.close();
    }
  }, 60_000);
});
