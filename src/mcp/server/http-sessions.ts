/**
 * The sessions of the streamable HTTP server: each has its own MCP server, transport and sandbox,
 * begins with an `initialize` request and ends on DELETE, when its transport closes, or after
 * `idleTimeoutMs` without a request. At most `maxSessions` exist at once.
 */
import { randomUUID } from "node:crypto";

import type { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

import type { CodeagentMcpServer, CodeagentMcpSession } from "./codeagent-mcp-server.js";

type TransportClass = typeof StreamableHTTPServerTransport;

/** One client's session. */
export class HttpSession {
  private inFlight = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private ending: Promise<void> | undefined;

  constructor(
    readonly transport: StreamableHTTPServerTransport,
    private readonly mcp: CodeagentMcpSession,
    private readonly idleTimeoutMs: number,
    private readonly onEnd: (session: HttpSession) => void,
  ) {
    transport.onclose = () => void this.end();
    this.armIdleTimer();
  }

  /**
   * Marks a request as under way until the returned function is called: a session is never idle
   * while a program runs. The standing GET stream is not counted (it would keep a forgotten
   * client's session forever); it only restarts the idle time, see {@link touch}.
   */
  begin(): () => void {
    this.inFlight += 1;
    this.clearIdleTimer();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight -= 1;
      this.armIdleTimer();
    };
  }

  /** Restarts the idle time. */
  touch(): void {
    this.armIdleTimer();
  }

  /**
   * Stops the handlers of `requestIds` as the client's `notifications/cancelled` would: the SDK
   * does not stop a handler whose HTTP connection dropped, and its abort controllers are private,
   * so the notification is handed to the MCP server as if the client had sent it.
   */
  cancel(requestIds: readonly (string | number)[], reason: string): void {
    for (const requestId of requestIds) {
      this.transport.onmessage?.({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId, reason } });
    }
  }

  /** Ends the session: its transport (and open streams), its MCP server and its sandbox. */
  end(): Promise<void> {
    this.ending ??= (async () => {
      this.clearIdleTimer();
      this.onEnd(this);
      await this.transport.close().catch(() => undefined);
      await this.mcp.close();
    })();
    return this.ending;
  }

  private armIdleTimer(): void {
    this.clearIdleTimer();
    if (this.inFlight > 0 || this.ending !== undefined) return;
    this.idleTimer = setTimeout(() => void this.end(), this.idleTimeoutMs);
    this.idleTimer.unref?.();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

/** Every session, by the id the client sends in `Mcp-Session-Id`. */
export class HttpSessions {
  /** Including sessions whose `initialize` is still being answered, so they count toward the cap. */
  private readonly all = new Set<HttpSession>();
  private readonly byId = new Map<string, HttpSession>();

  constructor(
    private readonly built: CodeagentMcpServer,
    private readonly Transport: TransportClass,
    readonly limits: { maxSessions: number; idleTimeoutMs: number },
  ) {}

  find(id: string): HttpSession | undefined {
    return this.byId.get(id);
  }

  /** A new session for an `initialize` request, or undefined when `maxSessions` are open. */
  async open(): Promise<HttpSession | undefined> {
    if (this.all.size >= this.limits.maxSessions) return undefined;
    const mcp = this.built.createSession();
    const byId = this.byId;
    let session: HttpSession | undefined;
    const transport = new this.Transport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        if (session !== undefined) byId.set(id, session);
      },
    });
    session = new HttpSession(transport, mcp, this.limits.idleTimeoutMs, (ended) => {
      this.all.delete(ended);
      if (ended.transport.sessionId !== undefined) byId.delete(ended.transport.sessionId);
    });
    this.all.add(session);
    await mcp.server.connect(transport);
    return session;
  }

  /** Why an `initialize` was refused at the cap, and what to do. */
  fullMessage(): string {
    const { maxSessions, idleTimeoutMs } = this.limits;
    return (
      `This server already has ${maxSessions} sessions open, the most it takes. End one (an HTTP DELETE of /mcp with its Mcp-Session-Id header) ` +
      `or wait: a session ends after ${Math.ceil(idleTimeoutMs / 60_000)} minutes without a request.\n`
    );
  }

  async endAll(): Promise<void> {
    await Promise.all([...this.all].map((session) => session.end()));
  }
}
