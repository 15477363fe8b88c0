/**
 * A package index for tests: serves given files over HTTP on 127.0.0.1 (port chosen by the system)
 * and records every path asked for, so a test sees what the host downloaded and when it did not.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface WheelIndex {
  /** The index's base URL, ending in `/`. */
  readonly url: string;
  /** Every path requested, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startWheelIndex(files: ReadonlyMap<string, Uint8Array>): Promise<WheelIndex> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://index").pathname).replace(/^\/+/, "");
    requests.push(path);
    const body = files.get(path);
    if (body === undefined) {
      response.writeHead(404).end("not found");
      return;
    }
    response.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A local URL nothing listens on: a port the system handed out and that was closed again. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/`;
}
