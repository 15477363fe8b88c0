/**
 * Which requests the web UI answers. A web page the user visits can send requests to
 * 127.0.0.1: under a name it rebound there (its own Host), or from its own origin (another
 * local port, or anywhere) with the user's cookie. Only requests addressed to the UI by its own
 * address, from its own page, are served.
 */
import type { Context } from "hono";

/** Loopback names on any port (or none): what is accepted before the UI knows its port, as in `app.fetch` in tests. */
const ANY_LOOPBACK = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

/** The Host values (`name:port`) a UI listening on `hostname:port` answers to. */
export function hostsFor(port: number, hostname: string): Set<string> {
  const bound = hostname.includes(":") ? `[${hostname}]` : hostname;
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${bound}:${port}`].map((host) => host.toLowerCase()));
}

/** The request's Host: the header, or the URL's host when there is none (a Request built in a test). */
export function requestHost(c: Context): string {
  return (c.req.header("Host") ?? new URL(c.req.url).host).toLowerCase();
}

/** Why the request is refused, or undefined when it may go on to the token check. */
export function refusal(c: Context, allowedHosts: ReadonlySet<string> | undefined): string | undefined {
  const host = requestHost(c);
  if (!(allowedHosts ? allowedHosts.has(host) : ANY_LOOPBACK.test(host))) {
    return "This UI answers only requests addressed to it by its own address (the one codeagent ui printed): open that address.\n";
  }
  const origin = c.req.header("Origin");
  // A browser names the page that sent the request: only the UI's own page may.
  if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) {
    return "Requests from other sites or ports are refused: use the page at the address codeagent ui printed.\n";
  }
  const site = c.req.header("Sec-Fetch-Site");
  if (c.req.method !== "GET" && c.req.method !== "HEAD" && site !== undefined && site !== "same-origin") {
    return "Changes are accepted only from the UI's own page: use the page at the address codeagent ui printed.\n";
  }
  return undefined;
}

/** Whether the request says its body is JSON (a page elsewhere can send text/plain or a form without asking first). */
export function saysJson(c: Context): boolean {
  return /^application\/json\s*(;|$)/i.test(c.req.header("Content-Type") ?? "");
}

/** The cookie that holds the token: named by port, since cookies are shared by every port of a host. */
export function cookieName(host: string): string {
  return `codeagent_ui_${new URL(`http://${host}`).port || "80"}`;
}
