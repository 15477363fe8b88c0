/**
 * The web UI's server as a Hono app: the page, and a small JSON API over the conversations with
 * each one's events as Server-Sent Events (and, given a queue, over its durable runs: queue-routes.ts). Secure by default: only requests addressed to the UI's
 * own address from its own page (Host, Origin, Sec-Fetch-Site), every one carrying the token (a
 * cookie named by port the page gets on first load from `/?token=...`, or `Authorization: Bearer
 * <token>`), JSON bodies that say so, no CORS headers, a strict Content-Security-Policy, bounded
 * request bodies and event streams.
 */
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getCookie, setCookie } from "hono/cookie";
import { streamSSE } from "hono/streaming";

import { Conversation, type CreateAgent, type EventSubscription, type NumberedEvent } from "./conversation.js";
import { cookieName, hostsFor, refusal, requestHost, saysJson } from "./request-guard.js";
import { eventJson } from "./ui-events.js";
import { addQueueRoutes, noQueueRoutes } from "./queue-routes.js";
import { decisionBody, jsonBody, needsJson } from "./request-bodies.js";
import type { UiRunQueue } from "./run-queue.js";
import { openSavedMemory } from "./saved-memory.js";
import { DEFAULT_KEEP_ALIVE_MS, KEEP_ALIVE, type SseStream, type StreamOptions } from "./sse.js";
import { loadStaticFiles } from "./static-files.js";
import { isUiToken, newUiToken } from "./ui-token.js";
import { DEFAULT_MAX_UPLOAD_BYTES, formatBytes, readAttachments } from "./uploads.js";

export type { AgentContext, CreateAgent } from "./conversation.js";
export type { UiRunQueue } from "./run-queue.js";

/** Options of {@link createUiServer}. */
export interface UiServerOptions {
  /**
   * Makes the agent of each new conversation; pass `onApproval` from the context to every agent
   * you make (managed ones too) so tools that need approval ask in the page.
   */
  createAgent: CreateAgent;
  /** The secret every request must carry. Default: a random one (read it from the result). */
  token?: string;
  /** Largest request body in bytes (a message's text, without its files); bigger gets 413. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Largest total of the files attached to one message, in bytes; more gets 413. Default 10 MB. */
  maxUploadBytes?: number;
  /** Conversations kept at once; creating more gets 429. Default 50. */
  maxConversations?: number;
  /** Largest saved memory the page may open, in bytes; bigger gets 413. Default 20 MB. */
  maxMemoryBytes?: number;
  /**
   * Milliseconds an event stream may stay silent before it gets a keep-alive (an SSE comment
   * line), so proxies and browsers do not drop a conversation that waits. Default 15 000.
   */
  keepAliveMs?: number;
  /**
   * A queue of durable runs to show in the page (an `AgentQueue` of `codeagent/jobs`): its newest
   * runs, each run's events, Approve / Refuse for a parked tool call, Cancel. The UI uses it and
   * leaves closing it to you.
   */
  queue?: UiRunQueue;
  /** The queue's name, shown in the page. Default: the queue's own `name`. */
  queueName?: string;
}

/** A built web UI server: the Hono app, its token, and how to end its runs and agents. */
export interface UiServer {
  app: Hono;
  token: string;
  /**
   * Tells the UI the address it listens on (serveUi does): from then on only requests with Host
   * `127.0.0.1:port`, `localhost:port`, `[::1]:port` or `hostname:port` are served. Until then
   * (`app.fetch` in tests) any loopback name on any port is accepted.
   */
  listeningOn(port: number, hostname: string): void;
  /** Stops every run, closes every agent, ends the event streams. */
  close(): Promise<void>;
}

/** The route a message is posted to, the one whose body may carry files. */
const MESSAGES_PATH = /^\/api\/conversations\/[^/]+\/messages$/;
/** The route a saved memory is opened by: its body is the memory's JSON. */
const OPEN_MEMORY_PATH = "/api/conversations/from-memory";
/** Default largest saved memory the page may open. */
const DEFAULT_MAX_MEMORY_BYTES = 20 * 1024 * 1024;
/** Room for each attachment's name, type and JSON punctuation. */
const MAX_ATTACHMENT_JSON_BYTES = 20 * 1024;

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
  let allowedHosts: Set<string> | undefined;

  app.use(async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  });
  app.use(async (c, next) => {
    const refused = refusal(c, allowedHosts);
    if (refused !== undefined) return c.text(refused, 403);
    // A form or text/plain post needs no preflight from another page: only JSON is accepted.
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && c.req.header("Content-Type") !== undefined && !saysJson(c)) {
      return needsJson(c);
    }
    return next();
  });
  app.use(async (c, next) => {
    const cookie = cookieName(requestHost(c));
    const fromUrl = c.req.query("token");
    if (c.req.method === "GET" && c.req.path === "/" && fromUrl !== undefined && isUiToken(fromUrl, token)) {
      // The token moves from the address bar (and history) into a cookie only this site sends.
      setCookie(c, cookie, token, { httpOnly: true, sameSite: "Strict", path: "/" });
      return c.redirect("/", 303);
    }
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("Authorization") ?? "")?.[1];
    if (!isUiToken(getCookie(c, cookie), token) && !isUiToken(bearer, token)) {
      return c.text("Unauthorized: open the address that codeagent ui printed (it ends with ?token=...).\n", 401);
    }
    return next();
  });
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const smallBodies = bodyLimit({ maxSize: maxBodyBytes, onError: (c) => c.json({ error: "The request is too large." }, 413) });
  // A message carries its files base64 (4 bytes for 3) with a little JSON each: only this route takes that much.
  const messageBodies = bodyLimit({
    maxSize: maxBodyBytes + Math.ceil(maxUploadBytes / 3) * 4 + MAX_ATTACHMENT_JSON_BYTES,
    onError: (c) => c.json({ error: `The message is too large: its attached files may total at most ${formatBytes(maxUploadBytes)}.` }, 413),
  });
  const maxMemoryBytes = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES;
  const memoryBodies = bodyLimit({ maxSize: maxMemoryBytes, onError: (c) => c.json({ error: `The saved memory is too large: at most ${formatBytes(maxMemoryBytes)}.` }, 413) });
  app.use("/api/*", (c, next) => {
    if (c.req.method !== "POST") return smallBodies(c, next);
    if (MESSAGES_PATH.test(c.req.path)) return messageBodies(c, next);
    return c.req.path === OPEN_MEMORY_PATH ? memoryBodies(c, next) : smallBodies(c, next);
  });

  for (const [path, file] of files) app.get(path, (c) => c.body(file.body, 200, { "Content-Type": file.type }));

  const find = (c: Context) => conversations.get(c.req.param("id") ?? "");
  const notFound = (c: Context) => c.json({ error: "No such conversation: reload the page." }, 404);

  app.get("/api/conversations", (c) => c.json([...conversations.values()].map(({ id, title, busy }) => ({ id, title, busy }))));
  const tooManyConversations = (c: Context) => c.json({ error: `At most ${maxConversations} conversations: delete one first.` }, 429);
  const created = (c: Context, conversation: Conversation) => {
    conversations.set(conversation.id, conversation);
    return c.json({ id: conversation.id, title: conversation.title, busy: false }, 201);
  };
  app.post("/api/conversations", (c) => {
    if (conversations.size >= maxConversations) return tooManyConversations(c);
    return created(c, new Conversation(options.createAgent));
  });
  // A new conversation that shows a saved memory's runs and continues from it.
  app.post(OPEN_MEMORY_PATH, async (c) => {
    if (conversations.size >= maxConversations) return tooManyConversations(c);
    if (!saysJson(c)) return needsJson(c);
    const opened = openSavedMemory(await c.req.text());
    if ("error" in opened) return c.json({ error: opened.error }, 400);
    const conversation = new Conversation(options.createAgent);
    conversation.open(opened, fileName(c.req.query("name")));
    return created(c, conversation);
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
    if (!saysJson(c)) return needsJson(c);
    const body = await jsonBody(c);
    const task = typeof body?.["task"] === "string" ? body["task"].trim() : "";
    if (task === "") return c.json({ error: 'Send { "task": "..." } with a task that is not empty.' }, 400);
    if (Buffer.byteLength(task) > maxBodyBytes) return c.json({ error: `The task is too long: at most ${formatBytes(maxBodyBytes)}.` }, 413);
    const uploads = readAttachments(body?.["attachments"], maxUploadBytes);
    if ("error" in uploads) return c.json({ error: uploads.error }, uploads.status);
    if (conversation.busy) return c.json({ error: "A run is going on in this conversation: wait for it, or press Stop." }, 409);
    conversation.start(task, uploads);
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
    if (!saysJson(c)) return needsJson(c);
    const decision = await decisionBody(c);
    if ("error" in decision) return c.json(decision, 400);
    if (!conversation.decide(c.req.param("approval"), decision.approved, decision.reason)) return c.json({ error: "That approval is no longer waiting." }, 409);
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
    // Subscribed here, not in the stream, so that many requests at once cannot pass the bound together.
    const subscription = conversation.subscribe();
    if (!subscription) return c.json({ error: "Too many pages are following this conversation: close some." }, 429);
    const from = Number.isSafeInteger(after) ? after : 0;
    return streamSSE(c, (stream) => sendEvents(conversation, subscription, from, stream, streamOptions));
  });
  const streamOptions: StreamOptions = { closing: closing.signal, keepAliveMs: options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS };
  const queueName = options.queueName ?? options.queue?.name;
  if (options.queue) addQueueRoutes(app, { queue: options.queue, ...(queueName ? { name: queueName } : {}), stream: streamOptions });
  else noQueueRoutes(app);

  return {
    app,
    token,
    listeningOn(port, hostname) {
      allowedHosts = hostsFor(port, hostname);
    },
    async close() {
      closing.abort();
      await Promise.all([...conversations.values()].map((conversation) => conversation.close()));
      conversations.clear();
    },
  };
}

/**
 * The events after `afterId` (a page that reloads or reconnects), then each new one, until the
 * page goes, the conversation is deleted (what was queued is sent first) or the server closes. A
 * stream silent for `keepAliveMs` gets a comment line.
 */
async function sendEvents(conversation: Conversation, subscription: EventSubscription, afterId: number, stream: SseStream, { closing, keepAliveMs }: StreamOptions): Promise<void> {
  const gone = () => stream.aborted || stream.closed || closing.aborted;
  stream.onAbort(() => subscription.wakeUp());
  closing.addEventListener("abort", () => subscription.wakeUp(), { once: true });
  try {
    let lastSent = afterId;
    const send = async ({ id, event }: NumberedEvent) => {
      if (id <= lastSent) return;
      lastSent = id;
      await stream.writeSSE({ id: String(id), data: eventJson(event) });
    };
    for (const event of conversation.eventsAfter(afterId)) await send(event);
    while (!gone()) {
      const next = subscription.take();
      if (next) await send(next);
      else if (conversation.closed) break;
      else if (!(await subscription.wait(keepAliveMs)) && !gone()) await stream.write(KEEP_ALIVE);
    }
  } finally {
    subscription.end();
  }
}

/** The opened file's name as the page sent it, made plain: one line, at most 120 characters. */
function fileName(name: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  const plain = (name ?? "").replace(/[\u0000-\u001f\u007f]/g, " ").trim().slice(0, 120);
  return plain === "" ? "memory.json" : plain;
}
