/** Serving the web UI on this machine with @hono/node-server, until a signal ends it. */
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";

import { createUiServer, type UiServerOptions } from "./ui-server.js";

/** Options of {@link serveUi}. */
export interface ServeUiOptions extends UiServerOptions {
  /** Default 7860; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: only this machine can reach it. */
  hostname?: string;
  /** Told the page's address, token included, once listening. */
  onListening?: (url: string) => void;
  /** Aborting stops serving: runs stop, agents close. */
  signal?: AbortSignal;
}

/**
 * Serves the web UI until `signal` aborts; resolves when it has closed.
 *
 * @example
 * await serveUi({ createAgent: ({ onApproval }) => new CodeAgent({ model, onApproval }), onListening: console.log, signal });
 */
export async function serveUi(options: ServeUiOptions): Promise<void> {
  const ui = createUiServer(options);
  const hostname = options.hostname ?? "127.0.0.1";
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: ui.app.fetch, port: options.port ?? 7860, hostname }, (info) => {
      // Before any request is read: only requests addressed to this address are served.
      ui.listeningOn(info.port, hostname);
      resolve(started);
    });
    started.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  options.onListening?.(`http://${host}:${port}/?token=${ui.token}`);
  try {
    await new Promise<void>((resolve) => {
      if (options.signal?.aborted) resolve();
      options.signal?.addEventListener("abort", () => resolve(), { once: true });
    });
  } finally {
    await ui.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
