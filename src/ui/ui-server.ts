/**
 * The web UI's server as a Hono app: the page, and a small JSON API over the conversations with
 * each one's events as Server-Sent Events. Secure by default: every request carries the token
 * (a cookie the page gets on first load from `/?token=...`, or `Authorization: Bearer <token>`),
 * no CORS headers, a strict Content-Security-Policy, bounded request bodies.
 */
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getCookie, setCookie } from "hono/cookie";
import { streamSSE } from "hono/streaming";

import { Conversation, type CreateAgent, type NumberedEvent } from "./conversation.js";
import { eventJson } from "./ui-events.js";
import { loadStaticFiles } from "./static-files.js";
import { isUiToken, newUiToken } from "./ui-token.js";

export type { AgentContext, CreateAgent } from "./conversation.js";

/** Options of {@link createUiServer}. */
export interface UiServerOptions {
  /**
   * Makes the agent of each new conversation; pass `onApproval` from the context to every agent
   * you make (managed ones too) so tools that need approval ask in the page.
   */
  createAgent: CreateAgent;
  /** The secret every request must carry. Default: a random one (read it from the result). */
  token?: string;
  /** Largest request body in bytes; bigger gets 413. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Conversations kept at once; creating more gets 429. Default 50. */
  maxConversations?: number;
}

/** A built web UI server: the Hono app, its token, and how to end its runs and agents. */
export interface UiServer {
  app: Hono;
  token: string;
  /** Stops every run, closes every agent, ends the event streams. */
  close(): Promise<void>;
}

const COOKIE = "codeagent_ui_token";
const SECURITY_HEADERS = {
  "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cache-Control": "no-store",
};

/**
 * Builds the web UI's app: serve it with {@link serveUi}, or call `app.fetch` in tests.
 *
 * @example
 * const ui = createUiServer({ createAgent: ({ onApproval }) => new CodeAgent({ model, tools, onApproval }) });
 */
export function createUiServer(options: UiServerOptions): UiServer {
  const token = options.token ?? newUiToken();
  const maxConversations = options.maxConversations ?? 50;
  const files = loadStaticFiles();
  const conversations = new Map<string, Conversation>();
  const closing = new AbortController();
  const app = new Hono();

  app.use(async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  });
  app.use(async (c, next) => {
    const fromUrl = c.req.query("token");
    if (c.req.method === "GET" && c.req.path === "/" && fromUrl !== undefined && isUiToken(fromUrl, token)) {
      // The token moves from the address bar (and history) into a cookie only this site sends.
      setCookie(c, COOKIE, token, { httpOnly: true, sameSite: "Strict", path: "/" });
      return c.redirect("/", 303);
    }
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("Authorization") ?? "")?.[1];
    if (!isUiToken(getCookie(c, COOKIE), token) && !isUiToken(bearer, token)) {
      return c.text("Unauthorized: open the address that codeagent ui printed (it ends with ?token=...).\n", 401);
    }
    return next();
  });
  app.use("/api/*", bodyLimit({ maxSize: options.maxBodyBytes ?? 64 * 1024, onError: (c) => c.json({ error: "The request is too large." }, 413) }));

  for (const [path, file] of files) app.get(path, (c) => c.body(file.body, 200, { "Content-Type": file.type }));

  const find = (c: Context) => conversations.get(c.req.param("id") ?? "");
  const notFound = (c: Context) => c.json({ error: "No such conversation: reload the page." }, 404);

  app.get("/api/conversations", (c) => c.json([...conversations.values()].map(({ id, title, busy }) => ({ id, title, busy }))));
  app.post("/api/conversations", (c) => {
    if (conversations.size >= maxConversations) return c.json({ error: `At most ${maxConversations} conversations: delete one first.` }, 429);
    const conversation = new Conversation(options.createAgent);
    conversations.set(conversation.id, conversation);
    return c.json({ id: conversation.id, title: conversation.title, busy: false }, 201);
  });
  app.delete("/api/conversations/:id", async (c) => {
    const conversation = find(c);
    if (!conversation) return notFound(c);
    conversations.delete(conversation.id);
    await conversation.close();
    return c.json({ ok: true });
  });
  app.post("/api/conversations/:id/messages", async (c) => {
    const conversation = find(c);
    if (!conversation) return notFound(c);
    const body = await jsonBody(c);
    const task = typeof body?.["task"] === "string" ? body["task"].trim() : "";
    if (task === "") return c.json({ error: 'Send { "task": "..." } with a task that is not empty.' }, 400);
    if (conversation.busy) return c.json({ error: "A run is going on in this conversation: wait for it, or press Stop." }, 409);
    conversation.start(task);
    return c.json({ ok: true }, 202);
  });
  app.post("/api/conversations/:id/stop", (c) => {
    const conversation = find(c);
    if (!conversation) return notFound(c);
    conversation.stop();
    return c.json({ ok: true });
  });
  app.post("/api/conversations/:id/approvals/:approval", async (c) => {
    const conversation = find(c);
    if (!conversation) return notFound(c);
    const body = await jsonBody(c);
    if (typeof body?.["approved"] !== "boolean") return c.json({ error: 'Send { "approved": true } or { "approved": false }.' }, 400);
    const reason = typeof body["reason"] === "string" && body["reason"].trim() !== "" ? body["reason"].trim() : undefined;
    if (!conversation.decide(c.req.param("approval"), body["approved"], reason)) return c.json({ error: "That approval is no longer waiting." }, 409);
    return c.json({ ok: true });
  });
  app.get("/api/conversations/:id/memory", (c) => {
    const conversation = find(c);
    if (!conversation) return notFound(c);
    return c.body(JSON.stringify(conversation.memory(), null, 2), 200, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="codeagent-memory-${conversation.id}.json"`,
    });
  });
  app.get("/api/conversations/:id/events", (c) => {
    const conversation = find(c);
    if (!conversation) return notFound(c);
    const after = Number(c.req.header("Last-Event-ID") ?? "0");
    return streamSSE(c, (stream) => sendEvents(conversation, Number.isSafeInteger(after) ? after : 0, stream, closing.signal));
  });

  return {
    app,
    token,
    async close() {
      closing.abort();
      await Promise.all([...conversations.values()].map((conversation) => conversation.close()));
      conversations.clear();
    },
  };
}

type SseStream = Parameters<Parameters<typeof streamSSE>[1]>[0];

/** The events after `afterId` (a page that reloads or reconnects), then each new one, until the page goes or the server closes. */
async function sendEvents(conversation: Conversation, afterId: number, stream: SseStream, closing: AbortSignal): Promise<void> {
  const queue: NumberedEvent[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = conversation.subscribe((event) => {
    queue.push(event);
    wake?.();
  });
  const ended = () => stream.aborted || stream.closed || closing.aborted;
  stream.onAbort(() => wake?.());
  closing.addEventListener("abort", () => wake?.(), { once: true });
  try {
    let lastSent = afterId;
    const send = async ({ id, event }: NumberedEvent) => {
      if (id <= lastSent) return;
      lastSent = id;
      await stream.writeSSE({ id: String(id), data: eventJson(event) });
    };
    for (const event of conversation.eventsAfter(afterId)) await send(event);
    while (!ended()) {
      const next = queue.shift();
      if (next) await send(next);
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    unsubscribe();
  }
}

async function jsonBody(c: Context): Promise<Record<string, unknown> | undefined> {
  try {
    const body: unknown = await c.req.json();
    return typeof body === "object" && body !== null ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
