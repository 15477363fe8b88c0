/**
 * The web UI's server over HTTP, without a browser: the token is required everywhere, it moves
 * from the URL into a cookie named by port, bodies are bounded, no CORS headers; requests not
 * addressed to the UI or sent from another page are refused; a run's events stream as SSE (ended
 * when the conversation is deleted) and its memory downloads as JSON; attached files reach the
 * model (images) and the code (`files`), checked and bounded (QuickJS sandbox, ScriptedModel).
 */
import { afterEach, describe, expect, test } from "vitest";

import { CodeAgent } from "../src/agents/code-agent.js";
import { ScriptedModel } from "../src/models/scripted-model.js";
import { ApprovalPlaces } from "../src/ui/approval-places.js";
import { Conversation } from "../src/ui/conversation.js";
import { createUiServer, type UiServer } from "../src/ui/index.js";
import type { WireEvent } from "../src/ui/ui-events.js";

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

async function call(path: string, init: RequestInit = {}, host = "127.0.0.1") {
  return await ui!.app.fetch(new Request(`http://${host}${path}`, init));
}

async function newConversation(): Promise<string> {
  return ((await (await call("/api/conversations", { method: "POST", headers: auth })).json()) as { id: string }).id;
}

const json = { ...auth, "Content-Type": "application/json" };

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
    expect(cookie).toMatch(/^codeagent_ui_80=/);
    const page = await call("/", { headers: { Cookie: cookie.split(";")[0]! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="/app.js"');
    expect(page.headers.get("Content-Security-Policy")).toContain("script-src 'self'");
    expect(page.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  test("bodies over the limit get 413, bad ones 400, an unknown conversation 404; no CORS even when asked", async () => {
    server();
    const created = await call("/api/conversations", { method: "POST", headers: { ...auth, Origin: "http://127.0.0.1" } });
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

  test("a request addressed to another name, or sent from another page, is refused even with the token", async () => {
    server();
    const id = await newConversation();
    const refused = async (response: Response) => {
      expect(response.status).toBe(403);
      expect(await response.text()).toMatch(/codeagent ui printed/);
    };
    await refused(await call("/api/conversations", { headers: { ...auth, Host: "evil.com" } }, "evil.com"));
    await refused(await call("/?token=secret-token", {}, "evil.com:7860"));
    const message = (headers: Record<string, string>) => call(`/api/conversations/${id}/messages`, { method: "POST", headers: { ...json, ...headers }, body: JSON.stringify({ task: "rm -rf /" }) });
    await refused(await message({ Origin: "http://127.0.0.1:3000" }));
    await refused(await message({ Origin: "null" }));
    await refused(await message({ "Sec-Fetch-Site": "cross-site" }));
    await refused(await message({ "Sec-Fetch-Site": "same-site" }));
    await refused(await call("/api/conversations", { method: "POST", headers: { ...auth, Origin: "https://evil.example" } }));
    // A page elsewhere can post text/plain or a form without a preflight: only JSON that says so is read.
    const asText = await call(`/api/conversations/${id}/messages`, { method: "POST", headers: { ...auth, "Content-Type": "text/plain" }, body: JSON.stringify({ task: "x" }) });
    expect(asText.status).toBe(415);
    expect((await call(`/api/conversations/${id}/messages`, { method: "POST", headers: auth, body: JSON.stringify({ task: "x" }) })).status).toBe(415);
    expect((await call(`/api/conversations/${id}/stop`, { method: "POST", headers: { ...auth, "Content-Type": "application/x-www-form-urlencoded" }, body: "a=b" })).status).toBe(415);
    // The UI's own page, as a browser sends it, is served.
    expect((await message({ Origin: "http://127.0.0.1", "Sec-Fetch-Site": "same-origin" })).status).toBe(202);
  });

  test("once listening, only its own port is served, and the cookie is named by that port", async () => {
    server().listeningOn(7860, "127.0.0.1");
    expect((await call("/api/conversations", { headers: auth }, "127.0.0.1:7860")).status).toBe(200);
    expect((await call("/api/conversations", { headers: auth }, "localhost:7860")).status).toBe(200);
    expect((await call("/api/conversations", { headers: auth }, "127.0.0.1:3000")).status).toBe(403);
    expect((await call("/api/conversations", { headers: auth }, "127.0.0.1")).status).toBe(403);
    const opened = await call("/?token=secret-token", {}, "127.0.0.1:7860");
    const cookie = opened.headers.get("Set-Cookie")!.split(";")[0]!;
    expect(cookie).toBe("codeagent_ui_7860=secret-token");
    expect((await call("/api/conversations", { headers: { Cookie: cookie } }, "127.0.0.1:7860")).status).toBe(200);
    // Another UI's cookie (another port) is not this one's.
    expect((await call("/api/conversations", { headers: { Cookie: "codeagent_ui_3000=secret-token" } }, "127.0.0.1:7860")).status).toBe(401);
  });

  test("deleting a conversation ends its event streams; too many streams at once are refused", async () => {
    server();
    const id = await newConversation();
    const streams = await Promise.all(Array.from({ length: 8 }, () => call(`/api/conversations/${id}/events`, { headers: auth })));
    expect(streams.map((response) => response.status)).toEqual(Array(8).fill(200));
    expect((await call(`/api/conversations/${id}/events`, { headers: auth })).status).toBe(429);
    expect((await call(`/api/conversations/${id}`, { method: "DELETE", headers: auth })).status).toBe(200);
    for (const stream of streams) {
      const reader = stream.body!.getReader();
      while (!(await reader.read()).done);
    }
    expect((await call(`/api/conversations/${id}/events`, { headers: auth })).status).toBe(404);
  });

  test("an idle event stream gets keep-alive comment lines, and events still follow them", async () => {
    ui = createUiServer({
      token: "secret-token",
      keepAliveMs: 30,
      createAgent: ({ onApproval }) => new CodeAgent({ model: new ScriptedModel(["<code>\nfinal_answer(1);\n</code>"]), executor: "quickjs", onApproval }),
    });
    const id = await newConversation();
    const reader = (await call(`/api/conversations/${id}/events`, { headers: auth })).body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while ((text.match(/^: keep-alive$/gm) ?? []).length < 2) text += (await reader.read()).value ?? "";
    expect(text).not.toContain("data:");
    await call(`/api/conversations/${id}/messages`, { method: "POST", headers: json, body: JSON.stringify({ task: "One?" }) });
    while (!text.includes('"type":"run-finish"')) text += (await reader.read()).value ?? "";
    expect(text).toContain('"type":"ui-user-message"');
    await reader.cancel();
  });

  test("a long conversation keeps its last 5,000 events, and a replay from before them starts with a note", () => {
    const conversation = new Conversation(() => {
      throw new Error("no agent in this test");
    });
    const publish = (event: WireEvent) => (conversation as unknown as { publish(event: WireEvent): void }).publish(event);
    for (let n = 1; n <= 5_003; n++) publish({ type: "logs", text: String(n) });
    const replay = conversation.eventsAfter(0);
    expect(replay).toHaveLength(5_001);
    expect(replay[0]).toEqual({ id: 3, event: { type: "ui-events-dropped", count: 3 } });
    expect(replay[1]!.id).toBe(4);
    expect(conversation.eventsAfter(3).map((entry) => entry.id)[0]).toBe(4);
  });
});

test("an approval is placed by its agent's event, whether the event comes before or after the ask, and shown without a place when none comes", async () => {
  const places = new ApprovalPlaces(40);
  const shown: unknown[] = [];
  const origin = { agent: "mailer", depth: 1, parentStepNumber: 2 };
  places.ask("send_mail", (place) => shown.push(place));
  expect(shown).toEqual([]);
  places.heard({ type: "approval-request", stepNumber: 1, tool: "send_mail", arguments: {}, managed: origin });
  expect(shown).toEqual([{ stepNumber: 1, managed: origin }]);
  places.heard({ type: "approval-request", stepNumber: 3, tool: "delete_file", arguments: {} });
  places.ask("delete_file", (place) => shown.push(place));
  expect(shown.at(-1)).toEqual({ stepNumber: 3 });
  places.ask("send_mail", (place) => shown.push(place));
  const cancel = places.ask("other", (place) => shown.push(place));
  cancel();
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(shown).toEqual([{ stepNumber: 1, managed: origin }, { stepNumber: 3 }, undefined]);
});

describe("web UI saved memories", () => {
  const sendTask = (id: string, task: string) => call(`/api/conversations/${id}/messages`, { method: "POST", headers: json, body: JSON.stringify({ task }) });
  const open = (body: string, name = "saved.json") => call(`/api/conversations/from-memory?name=${encodeURIComponent(name)}`, { method: "POST", headers: json, body });

  async function eventsUntil(id: string, type: string, after = 0): Promise<{ id: number; event: { type: string; [field: string]: unknown } }[]> {
    const response = await call(`/api/conversations/${id}/events`, { headers: { ...auth, "Last-Event-ID": String(after) } });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes(`"type":"${type}"`)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    await reader.cancel();
    return text
      .split("\n\n")
      .filter((message) => message.includes("data: "))
      .map((message) => ({ id: Number(/^id: (\d+)$/m.exec(message)![1]), event: JSON.parse(/^data: (.*)$/m.exec(message)![1]!) as { type: string; [field: string]: unknown } }));
  }

  test("a downloaded memory opens as a new conversation that shows its run, then continues from it", async () => {
    const models: ScriptedModel[] = [];
    ui = createUiServer({
      token: "secret-token",
      createAgent: ({ onApproval }) => {
        const model = new ScriptedModel(models.length === 0 ? ['<code>\nconsole.log("thinking");\nfinal_answer(6 * 7);\n</code>'] : ["<code>\nfinal_answer(43);\n</code>"]);
        models.push(model);
        return new CodeAgent({ model, executor: "quickjs", onApproval });
      },
    });
    const first = await newConversation();
    await sendTask(first, "Six times seven?");
    await eventsUntil(first, "run-finish");
    const saved = await (await call(`/api/conversations/${first}/memory`, { headers: auth })).text();
    expect(JSON.parse(saved)).toMatchObject({ version: 1, steps: [{ type: "task" }, { type: "action" }, { type: "final-answer" }] });

    const opened = await open(saved, "run\u0007.json");
    expect(opened.status).toBe(201);
    const { id, title } = (await opened.json()) as { id: string; title: string };
    expect(title).toBe("Six times seven?");
    const shown = await eventsUntil(id, "ui-memory-opened");
    expect(shown.map(({ event }) => event.type)).toEqual([
      "ui-user-message", "run-start", "step-start", "model-output", "code", "logs", "step-finish", "final-answer", "run-finish", "ui-memory-opened",
    ]);
    expect(shown[0]!.event).toEqual({ type: "ui-user-message", task: "Six times seven?" });
    expect(shown.find(({ event }) => event.type === "logs")!.event["text"]).toContain("thinking");
    expect(shown.at(-1)!.event).toEqual({ type: "ui-memory-opened", name: "run .json", steps: 3 });
    // Before any message, its memory is the opened one.
    expect(JSON.parse(await (await call(`/api/conversations/${id}/memory`, { headers: auth })).text())).toEqual(JSON.parse(saved));

    expect((await sendTask(id, "Plus one?")).status).toBe(202);
    const continued = await eventsUntil(id, "run-finish", shown.at(-1)!.id);
    expect(continued.find(({ event }) => event.type === "final-answer")!.event["output"]).toBe(43);
    // The agent started from the opened memory: the model saw the first run, and memory holds both.
    const sent = JSON.stringify(models[1]!.calls[0]!.messages);
    expect(sent).toContain("Six times seven?");
    expect(sent).toContain("thinking");
    const memory = JSON.parse(await (await call(`/api/conversations/${id}/memory`, { headers: auth })).text()) as { steps: { type: string; stepNumber?: number }[] };
    expect(memory.steps.map((step) => step.type)).toEqual(["task", "action", "final-answer", "task", "action", "final-answer"]);
    expect(memory.steps[4]!.stepNumber).toBe(2);
  });

  test("a file that is not a saved memory is refused with a reason, a too large one with 413; none opens a conversation", async () => {
    ui = createUiServer({ token: "secret-token", maxMemoryBytes: 2000, createAgent: () => new CodeAgent({ model: new ScriptedModel([]), executor: "quickjs" }) });
    const refused = async (body: string, status: number, reason: RegExp) => {
      const response = await open(body);
      expect(response.status, body.slice(0, 60)).toBe(status);
      expect(((await response.json()) as { error: string }).error).toMatch(reason);
    };
    const timing = { startedAt: 1, durationMs: 2 };
    const memory = (steps: unknown[]) => JSON.stringify({ version: 1, systemPrompt: "", steps });
    await refused("{ not json", 400, /not JSON.*Download memory/);
    await refused("null", 400, /not a saved agent memory/);
    await refused('"text"', 400, /not a saved agent memory/);
    await refused(JSON.stringify({ steps: [] }), 400, /not a saved agent memory/);
    await refused(memory([{ type: "thought" }]), 400, /unknown type/);
    await refused(memory([{ type: "task", task: "x" }, { type: "action", stepNumber: 1, modelOutput: "", timing }]), 400, /Step 2 .*\(action\) has tool calls/);
    await refused(memory([{ type: "action", stepNumber: 1, modelOutput: "", toolCalls: [], timing: {} }]), 400, /Step 1 .*has no timing/);
    await refused(memory([{ type: "task", task: "x".repeat(3000) }]), 413, /too large: at most 2 KiB/);
    expect(await (await call("/api/conversations", { headers: auth })).json()).toEqual([]);
    // A well-formed one opens.
    expect((await open(memory([{ type: "task", task: "x" }, { type: "action", stepNumber: 1, modelOutput: "", toolCalls: [], timing }]))).status).toBe(201);
  });
});

describe("web UI uploads", () => {
  const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";
  const base64 = (text: string | Uint8Array) => Buffer.from(text).toString("base64");

  function uploadServer(model: ScriptedModel, maxUploadBytes?: number): UiServer {
    ui = createUiServer({
      token: "secret-token",
      ...(maxUploadBytes === undefined ? {} : { maxUploadBytes }),
      createAgent: ({ onApproval }) => new CodeAgent({ model, executor: "quickjs", onApproval }),
    });
    return ui;
  }

  const send = (id: string, body: unknown) => call(`/api/conversations/${id}/messages`, { method: "POST", headers: json, body: JSON.stringify(body) });

  async function eventsUntilRunFinish(id: string): Promise<string> {
    const reader = (await call(`/api/conversations/${id}/events`, { headers: auth })).body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes('"type":"run-finish"') && !text.includes('"type":"ui-run-failed"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    await reader.cancel();
    return text;
  }

  test("an image goes to the model with the task; a CSV and a binary file reach the code as files[name]", async () => {
    const model = new ScriptedModel(['<code>\nfinal_answer(files["data.csv"] + "|" + (files["blob.bin"] instanceof Uint8Array) + "|" + files["blob.bin"].length);\n</code>']);
    uploadServer(model);
    const id = await newConversation();
    const sent = await send(id, {
      task: "Sum the CSV.",
      attachments: [
        { name: "chart.png", type: "image/png", data: PNG },
        { name: "data.csv", type: "text/csv", data: base64("a,b\n1,2\n") },
        { name: "blob.bin", type: "", data: base64(new Uint8Array([0xff, 0xfe, 0x00])) },
      ],
    });
    expect(sent.status).toBe(202);
    const text = await eventsUntilRunFinish(id);
    expect(text).toContain('"attachments":["chart.png","data.csv","blob.bin"]');
    expect(text).toContain(JSON.stringify("a,b\n1,2\n|true|3"));

    const firstCall = model.calls[0]!.messages;
    const parts = firstCall.flatMap((message) => (typeof message.content === "string" ? [] : message.content));
    expect(parts).toContainEqual(expect.objectContaining({ type: "image", mediaType: "image/png", image: `data:image/png;base64,${PNG}` }));
    expect(JSON.stringify(firstCall)).toContain("files");
  });

  test("files over the limit get 413 naming it; bad names, types, data or too many files get 400", async () => {
    uploadServer(new ScriptedModel(["<code>\nfinal_answer(1);\n</code>"]), 1000);
    const id = await newConversation();
    const file = (name: string, extra: Record<string, unknown> = {}) => ({ name, type: "text/plain", data: base64("hello"), ...extra });

    const tooLarge = await send(id, { task: "x", attachments: [file("a.txt", { data: base64("y".repeat(600)) }), file("b.txt", { data: base64("y".repeat(600)) })] });
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { error: string }).error).toMatch(/at most 1 KiB/);
    // Far past the limit, the body itself is refused before it is read.
    const huge = await send(id, { task: "x", attachments: [file("a.txt", { data: base64("y".repeat(200_000)) })] });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: string }).error).toMatch(/message is too large.*at most 1 KiB/);

    for (const name of ["../etc/passwd", "dir/a.txt", "dir\\a.txt", "..", "", "bell\u0007.txt"]) {
      const response = await send(id, { task: "x", attachments: [file(name)] });
      expect(response.status, name).toBe(400);
    }
    expect((await send(id, { task: "x", attachments: [file("a.txt"), file("a.txt")] })).status).toBe(400);
    expect((await send(id, { task: "x", attachments: [file("a.txt", { type: "text/html; <script>" })] })).status).toBe(400);
    expect((await send(id, { task: "x", attachments: [file("a.txt", { data: "not base64!" })] })).status).toBe(400);
    expect((await send(id, { task: "x", attachments: "a.txt" })).status).toBe(400);
    const many = Array.from({ length: 21 }, (_, n) => file(`f${n}.txt`, { data: "" }));
    expect(((await (await send(id, { task: "x", attachments: many })).json()) as { error: string }).error).toMatch(/At most 20 files/);
    // Nothing refused started a run.
    expect((await send(id, { task: "x", attachments: [file("ok.txt")] })).status).toBe(202);
  });
});
