/**
 * A local stand-in for Hugging Face's file downloads: `GET /<owner>/<name>/resolve/<revision>/<file>`
 * redirects to a "CDN" path with the file's SHA-256 in `X-Linked-ETag` and its size in
 * `X-Linked-Size`, as huggingface.co does for LFS files, and the CDN path serves the bytes with
 * HTTP Range support. It can drop the connection in the middle of a body, lie about the checksum,
 * and demand a token.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** How the server behaves. */
export interface GgufFileServerOptions {
  /** Files by `owner/name/path`. */
  files: Record<string, Buffer>;
  /** The checksum announced instead of the real one. */
  announcedSha256?: string;
  /** The first this-many body responses send only this many bytes, then drop the connection. */
  dropAfterBytes?: number;
  dropCount?: number;
  /** Requests without `Authorization: Bearer <token>` get a 401. */
  requiredToken?: string;
  /** Redirect to the CDN path on this origin (another server) instead of this one. */
  cdnOrigin?: string;
}

/** A request the server saw. */
export interface SeenRequest {
  path: string;
  range: string | undefined;
  authorization: string | undefined;
}

/** The running server. */
export interface GgufFileServer {
  baseUrl: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** Starts the server on a free local port. */
export async function startGgufFileServer(options: GgufFileServerOptions): Promise<GgufFileServer> {
  const requests: SeenRequest[] = [];
  let drops = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    requests.push({ path, range: request.headers.range, authorization: request.headers.authorization });
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (resolve) {
      if (options.requiredToken !== undefined && request.headers.authorization !== `Bearer ${options.requiredToken}`) {
        response.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "Access to model is restricted." }));
        return;
      }
      const key = `${resolve[1]}/${resolve[3]}`;
      const file = options.files[key];
      if (file === undefined) {
        response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "Entry not found" }));
        return;
      }
      const sha256 = options.announcedSha256 ?? createHash("sha256").update(file).digest("hex");
      response
        .writeHead(302, { location: `${options.cdnOrigin ?? ""}/cdn/${key}?signature=abc`, "x-linked-etag": `"${sha256}"`, "x-linked-size": String(file.length), etag: '"0123456789abcdef0123456789abcdef01234567"' })
        .end();
      return;
    }
    const cdn = /^\/cdn\/(.+)$/.exec(path);
    const file = cdn ? options.files[cdn[1]!] : undefined;
    if (file === undefined) {
      response.writeHead(404).end();
      return;
    }
    serveBytes(request, response, file, () => {
      if (options.dropAfterBytes === undefined || drops >= (options.dropCount ?? 1)) return undefined;
      drops++;
      return options.dropAfterBytes;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends `file`, or the part a `Range: bytes=N-` asks for; `dropAfter` says whether to cut this body short. */
function serveBytes(request: IncomingMessage, response: ServerResponse, file: Buffer, dropAfter: () => number | undefined): void {
  const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? "");
  const start = range ? Number(range[1]) : 0;
  if (start >= file.length && range) {
    response.writeHead(416, { "content-range": `bytes */${file.length}` }).end();
    return;
  }
  const body = file.subarray(start);
  const headers: Record<string, string> = { "content-type": "application/octet-stream", "content-length": String(body.length), "accept-ranges": "bytes" };
  if (range) headers["content-range"] = `bytes ${start}-${file.length - 1}/${file.length}`;
  response.writeHead(range ? 206 : 200, headers);
  const cut = dropAfter();
  if (cut === undefined) {
    response.end(body);
    return;
  }
  // Send part of the body, then drop the connection as a failing network would.
  response.write(body.subarray(0, cut), () => setTimeout(() => response.socket?.destroy(), 50));
}
