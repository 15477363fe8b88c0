/**
 * The web UI's server over HTTP, without a browser: the token is required everywhere, it moves
 * from the URL into a cookie, bodies are bounded, no CORS headers; a run's events stream as SSE
 * and its memory downloads as JSON (QuickJS sandbox, ScriptedModel).
 */
import { afterEach, describe, expect, test } from "vitest";

import { CodeAgent } from "../src/agents/code-agent.js";
import { ScriptedModel } from "../src/models/scripted-model.js";
import { createUiServer, type UiServer } from "../src/ui/index.js";

let ui: UiServer | undefined;
afterEach(async () => {
  await ui?.close();
  ui = undefined;
});

function server(replies: string[] = ['<code>\nconsole.log("hi");\nfinal_answer(6 * 7);\n</code>']): UiServer {
  ui = createUiServer({
    token: "secret-token",
    maxBodyBytes: 1024,
    createAgent: ({ onApproval }) => new CodeAgent({ model: new ScriptedModel(replies), executor: "quickjs", onApproval }),
  });
  return ui;
}

const auth = { Authorization: "Bearer secret-token" };

async function call(path: string, init: RequestInit = {}) {
  return await ui!.app.fetch(new Request(`http://127.0.0.1${path}`, init));
}

describe("web UI server", () => {
  test("every path needs the token; a wrong one is refused", async () => {
    server();
    for (const path of ["/", "/app.js", "/api/conversations"]) expect((await call(path)).status).toBe(401);
    expect((await call("/?token=wrong")).status).toBe(401);
    expect((await call("/api/conversations", { headers: { Authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await call("/api/conversations", { method: "POST", headers: { Cookie: "codeagent_ui_token=wrong" } })).status).toBe(401);
    expect((await call("/api/conversations", { headers: auth })).status).toBe(200);
  });

  test("the token in the URL becomes an HttpOnly, SameSite=Strict cookie that then opens the page", async () => {
    server();
    const first = await call("/?token=secret-token");
    expect(first.status).toBe(303);
    expect(first.headers.get("Location")).toBe("/");
    const cookie = first.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await call("/", { headers: { Cookie: cookie.split(";")[0]! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="/app.js"');
    expect(page.headers.get("Content-Security-Policy")).toContain("script-src 'self'");
    expect(page.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  test("bodies over the limit get 413, bad ones 400, an unknown conversation 404; no CORS even when asked", async () => {
    server();
    const created = await call("/api/conversations", { method: "POST", headers: { ...auth, Origin: "https://evil.example" } });
    expect(created.status).toBe(201);
    expect(created.headers.get("Access-Control-Allow-Origin")).toBeNull();
    const { id } = (await created.json()) as { id: string };
    const post = (path: string, body: string) => call(path, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body });
    expect((await post(`/api/conversations/${id}/messages`, JSON.stringify({ task: "x".repeat(2000) }))).status).toBe(413);
    expect((await post(`/api/conversations/${id}/messages`, "not json")).status).toBe(400);
    expect((await post(`/api/conversations/${id}/messages`, JSON.stringify({ task: "  " }))).status).toBe(400);
    expect((await post(`/api/conversations/nope/messages`, JSON.stringify({ task: "hi" }))).status).toBe(404);
    expect((await post(`/api/conversations/${id}/approvals/nope`, JSON.stringify({ approved: true }))).status).toBe(409);
  });

  test("a run streams its events as SSE, and its memory downloads as JSON", async () => {
    server();
    const { id } = (await (await call("/api/conversations", { method: "POST", headers: auth })).json()) as { id: string };
    const sent = await call(`/api/conversations/${id}/messages`, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify({ task: "Six times seven?" }) });
    expect(sent.status).toBe(202);
    const events = await call(`/api/conversations/${id}/events`, { headers: auth });
    expect(events.headers.get("Content-Type")).toContain("text/event-stream");
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes('"type":"run-finish"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    await reader.cancel();
    const types = [...text.matchAll(/^data: (.*)$/gm)].map((match) => (JSON.parse(match[1]!) as { type: string }).type);
    expect(types[0]).toBe("ui-user-message");
    expect(types).toEqual(expect.arrayContaining(["run-start", "step-start", "code", "logs", "final-answer", "run-finish"]));
    expect(text).toMatch(/"output":42/);

    const memory = await call(`/api/conversations/${id}/memory`, { headers: auth });
    expect(memory.headers.get("Content-Disposition")).toContain("attachment");
    const { steps } = (await memory.json()) as { steps: { type: string }[] };
    expect(steps.map((step) => step.type)).toEqual(["task", "action", "final-answer"]);

    // A reconnecting page that saw everything gets only what comes after: here the next message.
    const lastId = Math.max(...[...text.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1])));
    const again = await call(`/api/conversations/${id}/events`, { headers: { ...auth, "Last-Event-ID": String(lastId) } });
    const againReader = again.body!.pipeThrough(new TextDecoderStream()).getReader();
    await call(`/api/conversations/${id}/messages`, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify({ task: "And again?" }) });
    let next = "";
    while (!next.includes("\n\n")) next += (await againReader.read()).value ?? "";
    expect(next).toContain(`id: ${lastId + 1}\n`);
    expect(next).toContain('"task":"And again?"');
    await againReader.cancel();
  });
});
