/**
 * Fetching a web page on the model's behalf without letting it reach this machine or its private
 * network. Every hop is checked: the host name is resolved once, each address is judged by
 * {@link blockedAddressRange}, and the connection goes to an address that passed, handed to the
 * socket by our own `lookup`, so a second DNS answer (DNS rebinding) cannot switch it. Redirects
 * are followed here, one checked hop at a time, never by the HTTP client.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { pipeline } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";

import { blockedAddressRange } from "./network-addresses.js";

/** How {@link requestPage} connects. */
export interface PageRequestOptions {
  /** Connect to loopback, private, link-local and other non-public addresses too. */
  allowPrivateNetwork: boolean;
  /** Resolves a host name to its IP addresses. */
  resolve: (hostname: string) => Promise<string[]>;
  /**
   * Sends each hop instead of Node's own HTTP client. Addresses are checked before each request,
   * but this `fetch` resolves the name again itself, so the connection is not pinned to them.
   */
  fetch: typeof globalThis.fetch | undefined;
  signal: AbortSignal;
  maxRedirects: number;
  /** The body is read up to this many bytes; the rest is dropped. */
  maxBytes: number;
}

/** A page as it arrived, after redirects. */
export interface FetchedPage {
  status: number;
  statusText: string;
  contentType: string;
  text: string;
  /** True when the body was longer than `maxBytes` and was cut. */
  truncated: boolean;
}

/** One HTTP exchange, before redirects are followed. */
interface Hop {
  status: number;
  statusText: string;
  location: string | undefined;
  contentType: string;
  body: AsyncIterable<Uint8Array>;
  /** Drops the body unread and frees the connection. */
  discard(): void;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const REQUEST_HEADERS = {
  accept: "text/html,text/plain;q=0.9,*/*;q=0.5",
  "accept-encoding": "gzip, deflate, br",
  "user-agent": "Mozilla/5.0 (compatible; codeagent visit_webpage)",
};

/** The system resolver, every address of the name. */
export async function resolveHostname(hostname: string): Promise<string[]> {
  return (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);
}

/** GETs `url`, following up to `maxRedirects` redirects, each hop checked. */
export async function requestPage(url: string, options: PageRequestOptions): Promise<FetchedPage> {
  let current = new URL(url);
  for (let redirects = 0; ; redirects++) {
    if (current.protocol !== "http:" && current.protocol !== "https:") {
      throw new Error(`only http and https pages can be visited, not ${current.protocol} (${current.href})`);
    }
    const addresses = await allowedAddresses(current, options);
    const hop = options.fetch ? await sendWithFetch(current, options.fetch, options.signal) : await sendWithNode(current, addresses, options.signal);
    if (REDIRECT_STATUSES.has(hop.status) && hop.location !== undefined) {
      hop.discard();
      if (redirects >= options.maxRedirects) throw new Error(`${url} redirected more than ${options.maxRedirects} times`);
      current = new URL(hop.location, current);
      continue;
    }
    const { bytes, truncated } = await readAtMost(hop.body, options.maxBytes);
    return { status: hop.status, statusText: hop.statusText, contentType: hop.contentType, text: decode(bytes, hop.contentType), truncated };
  }
}

/** The addresses `url`'s host resolves to that may be connected to; throws when none may. */
async function allowedAddresses(url: URL, options: PageRequestOptions): Promise<string[]> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [host] : await options.resolve(host);
  const [first] = addresses;
  if (first === undefined) throw new Error(`could not find the address of ${url.hostname}`);
  if (options.allowPrivateNetwork) return addresses;
  const allowed = addresses.filter((address) => blockedAddressRange(address) === undefined);
  if (allowed.length > 0) return allowed;
  const subject = host === first ? first : `${url.hostname} resolves to ${first}, which`;
  throw new Error(
    `refused to visit ${url.href}: ${subject} is a ${blockedAddressRange(first)} address. Pages on this machine or its private network are not fetched ` +
      "(the tool's owner can allow them with visitWebpageTool({ allowPrivateNetwork: true })).",
  );
}

async function sendWithNode(url: URL, addresses: string[], signal: AbortSignal): Promise<Hop> {
  // The socket asks this for the address to connect to: it gets the ones just checked.
  const lookup: LookupFunction = (_hostname, options, callback) => {
    const entries = addresses.map((address) => ({ address, family: isIP(address) }));
    if (options.all) callback(null, entries);
    else callback(null, entries[0]!.address, entries[0]!.family);
  };
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const request = send(url, { method: "GET", headers: REQUEST_HEADERS, agent: false, lookup, signal });
    request.once("response", resolve);
    request.once("error", reject);
    request.end();
  });
  const location = response.headers.location;
  return {
    status: response.statusCode ?? 0,
    statusText: response.statusMessage ?? "",
    location: typeof location === "string" ? location : undefined,
    contentType: response.headers["content-type"] ?? "",
    body: decompressed(response),
    discard: () => response.destroy(),
  };
}

async function sendWithFetch(url: URL, fetch: typeof globalThis.fetch, signal: AbortSignal): Promise<Hop> {
  const response = await fetch(url, { redirect: "manual", signal, headers: { accept: REQUEST_HEADERS.accept } });
  return {
    status: response.status,
    statusText: response.statusText,
    location: response.headers.get("location") ?? undefined,
    contentType: response.headers.get("content-type") ?? "",
    body: response.body ?? (async function* () {})(),
    discard: () => void response.body?.cancel().catch(() => undefined),
  };
}

function decompressed(response: IncomingMessage): AsyncIterable<Uint8Array> {
  const encoding = String(response.headers["content-encoding"] ?? "").trim().toLowerCase();
  const decoder = encoding === "gzip" || encoding === "x-gzip" ? createGunzip() : encoding === "deflate" ? createInflate() : encoding === "br" ? createBrotliDecompress() : undefined;
  if (decoder === undefined) return response;
  // An error on either side ends the other, and reading the decoder then rejects.
  return pipeline(response, decoder, () => undefined);
}

async function readAtMost(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.byteLength > maxBytes) {
      chunks.push(chunk.subarray(0, maxBytes - size));
      // Leaving the loop closes the stream, and with it the connection.
      return { bytes: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  return { bytes: Buffer.concat(chunks), truncated: false };
}

/** The body as text, in the charset the content type names (UTF-8 when it names none or one unknown). */
function decode(bytes: Uint8Array, contentType: string): string {
  const charset = /charset="?([^";\s]+)/i.exec(contentType)?.[1];
  try {
    return new TextDecoder(charset ?? "utf-8").decode(bytes);
  } catch {
    return new TextDecoder("utf-8").decode(bytes);
  }
}
