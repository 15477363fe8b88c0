/** What the UI's Server-Sent Event streams share: the stream type, how they end, their keep-alive. */
import type { streamSSE } from "hono/streaming";

/** The stream `streamSSE` hands its callback. */
export type SseStream = Parameters<Parameters<typeof streamSSE>[1]>[0];

/** How an event stream ends and keeps alive. */
export interface StreamOptions {
  /** Aborted when the server closes. */
  closing: AbortSignal;
  keepAliveMs: number;
}

/** Silence after which an event stream gets a keep-alive comment: below the idle timeouts of common proxies (30-60 s). */
export const DEFAULT_KEEP_ALIVE_MS = 15_000;
/** The comment line sent on a silent stream: the page's EventSource ignores it. */
export const KEEP_ALIVE = ": keep-alive\n\n";
