/**
 * Bytes and images on the wire between the host and a sandbox. Values cross as JSON only, so the
 * two kinds JSON has no form for travel as tagged objects, the same in both directions and for
 * every sandbox:
 *
 * - bytes: `{"__bytes__": "<base64>"}`, from a `Uint8Array` (a Buffer too) or an `ArrayBuffer` on
 *   the host, Python's `bytes`/`bytearray`, JavaScript's `Uint8Array`/`ArrayBuffer`;
 * - an image: `{"__image__": "<base64>", "mediaType": "image/png"}`, from an {@link ImagePart}
 *   with bytes or a base64 `data:` URL on the host, and the sandbox's own image value.
 *
 * An object with exactly these keys is therefore never plain data. The host decodes what leaves a
 * sandbox with {@link fromWire}, which trusts nothing: a tag must hold canonical base64 of a size
 * within the limit and an image media type, or the value is refused with a {@link WireValueError}.
 */
import { AgentError } from "../errors.js";
import type { ImagePart } from "../models/model.js";
import type { CodeError } from "./executor.js";
import { imageUrl } from "../models/openai/openai-messages.js";

export const BYTES_TAG = "__bytes__";
export const IMAGE_TAG = "__image__";

/** The wire form of bytes. */
export interface WireBytes {
  [BYTES_TAG]: string;
}

/** The wire form of an image. */
export interface WireImage {
  [IMAGE_TAG]: string;
  mediaType: string;
}

/** A tagged value from a sandbox that is not what its tag says (bad base64, too large, not an image type). */
export class WireValueError extends AgentError {
  override readonly name = "WireValueError";
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MEDIA_TYPE = /^image\/[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$/;
const DATA_URL = /^data:(image\/[A-Za-z0-9][A-Za-z0-9.+-]{0,63});base64,/;

/**
 * The wire form of a host value that JSON cannot hold as it is (bytes, an image), or undefined for
 * any other value. A JSON replacer calls it with the original value (`this[key]`), so a Buffer is
 * seen before its own `toJSON` turns it into a list of numbers.
 */
export function wireForm(value: unknown): WireBytes | WireImage | undefined {
  if (value instanceof Uint8Array) return { [BYTES_TAG]: base64Of(value) };
  if (value instanceof ArrayBuffer) return { [BYTES_TAG]: base64Of(new Uint8Array(value)) };
  if (!isImagePart(value)) return undefined;
  // Bytes without a media type are recognised by their first bytes, or refused.
  const url = imageUrl(value.image, value.mediaType);
  const data = DATA_URL.exec(url);
  // An https: URL is a link, not data: it crosses as the plain object it is.
  if (data === null) return undefined;
  return { [IMAGE_TAG]: url.slice(data[0].length), mediaType: data[1]! };
}

/** How {@link fromWire} decodes. */
export interface FromWireOptions {
  /** The longest base64 text of one tag. Unlimited by default (the value's JSON was bounded already). */
  maxChars?: number;
  /** What an image becomes; an {@link ImagePart} with bytes by default. */
  image?: (data: Uint8Array, mediaType: string) => unknown;
}

/**
 * A JSON value with its tags decoded: bytes become a `Uint8Array`, images an {@link ImagePart}
 * with bytes (or what `options.image` makes). The walk is iterative, so a deeply nested value
 * cannot overflow the stack; one nested deeper than {@link MAX_NESTING} is refused. Throws
 * {@link WireValueError}.
 */
export function fromWire(value: unknown, options: FromWireOptions = {}): unknown {
  if (typeof value !== "object" || value === null) return value;
  const root = { value };
  const pending: [Record<string | number, unknown>, string | number, number][] = [[root as Record<string, unknown>, "value", 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [holder, key, depth] = next;
    const item = holder[key];
    if (typeof item !== "object" || item === null || ArrayBuffer.isView(item) || item instanceof ArrayBuffer) continue;
    if (depth >= MAX_NESTING) throw new WireValueError(`it is nested more than ${MAX_NESTING.toLocaleString("en-US")} levels deep`);
    const decoded = decodeTag(item as Record<string, unknown>, options);
    if (decoded !== undefined) holder[key] = decoded;
    else if (Array.isArray(item)) for (let index = 0; index < item.length; index++) pending.push([item as unknown as Record<number, unknown>, index, depth + 1]);
    else for (const name of Object.keys(item)) pending.push([item as Record<string, unknown>, name, depth + 1]);
  }
  return root.value;
}

/**
 * How deep a value from a sandbox may nest. Deeper ones are refused: the host's own recursive code
 * (JSON.stringify of memory and events, rendering) would overflow its stack on them.
 */
export const MAX_NESTING = 1_000;

/** Whether JSON text could nest deeper than {@link MAX_NESTING}: it needs that many brackets at least. */
function mayNestTooDeeply(json: string): boolean {
  let open = 0;
  for (let index = 0; index < json.length; index++) {
    const code = json.charCodeAt(index);
    if ((code === 91 || code === 123) && ++open >= MAX_NESTING) return true; // [ or {
  }
  return false;
}

/** Whether JSON text may hold a tag at all: most values do not, and need no walk. */
export function mayHoldTags(json: string): boolean {
  return json.includes(`"${BYTES_TAG}"`) || json.includes(`"${IMAGE_TAG}"`);
}

/**
 * A value a sandbox sent, its tags decoded, or a `TypeError` the code is told about when a tag is
 * malformed. `what` names the value in that message: "The final answer".
 */
export function decodeSandboxValue(value: unknown, what: string): { value: unknown; error?: undefined } | { error: CodeError } {
  try {
    return { value: fromWire(value) };
  } catch (error) {
    if (!(error instanceof WireValueError)) throw error;
    return { error: { type: "TypeError", message: `${what} cannot leave the sandbox: ${error.message}.` } };
  }
}

/** {@link decodeSandboxValue} of JSON text, with no walk when the text holds no tag. */
export function valueFromSandbox(json: string, what: string): { value: unknown; error?: undefined } | { error: CodeError } {
  const parsed: unknown = JSON.parse(json);
  return mayHoldTags(json) || mayNestTooDeeply(json) ? decodeSandboxValue(parsed, what) : { value: parsed };
}

/** An image the host can send to a model: an {@link ImagePart} whose image is bytes or a URL. */
export function isImagePart(value: unknown): value is ImagePart {
  if (typeof value !== "object" || value === null) return false;
  const part = value as Record<string, unknown>;
  return part["type"] === "image" && (part["image"] instanceof Uint8Array || typeof part["image"] === "string") && (part["mediaType"] === undefined || typeof part["mediaType"] === "string");
}

/** The decoded value of a tagged object, or undefined when `item` carries no tag. */
function decodeTag(item: Record<string, unknown>, options: FromWireOptions): unknown {
  if (Array.isArray(item)) return undefined;
  const maxChars = options.maxChars ?? Number.POSITIVE_INFINITY;
  const keys = Object.keys(item);
  if (keys.length === 1 && keys[0] === BYTES_TAG) return bytesOf(item[BYTES_TAG], "bytes", maxChars);
  if (keys.length === 2 && Object.hasOwn(item, IMAGE_TAG) && Object.hasOwn(item, "mediaType")) {
    const mediaType = item["mediaType"];
    if (typeof mediaType !== "string" || !MEDIA_TYPE.test(mediaType)) {
      const shown = typeof mediaType === "string" ? JSON.stringify(mediaType.slice(0, 80)) : typeof mediaType;
      throw new WireValueError(`an image's media type must look like "image/png", got ${shown}`);
    }
    const data = bytesOf(item[IMAGE_TAG], "image data", maxChars);
    return options.image ? options.image(data, mediaType) : ({ type: "image", image: data, mediaType } satisfies ImagePart);
  }
  if (Object.hasOwn(item, BYTES_TAG) || Object.hasOwn(item, IMAGE_TAG)) {
    throw new WireValueError(`an object with a '${BYTES_TAG}' or '${IMAGE_TAG}' key is reserved for bytes and images, and this one has other keys: ${keys.slice(0, 5).join(", ")}`);
  }
  return undefined;
}

function bytesOf(text: unknown, what: string, maxChars: number): Uint8Array {
  if (typeof text !== "string") throw new WireValueError(`${what} must be base64 text, got ${text === null ? "null" : typeof text}`);
  if (text.length > maxChars) {
    throw new WireValueError(`${what} of ${text.length.toLocaleString("en-US")} base64 characters is more than the ${maxChars.toLocaleString("en-US")} allowed`);
  }
  if (!BASE64.test(text)) throw new WireValueError(`${what} is not valid base64 text`);
  const buffer = Buffer.from(text, "base64");
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function base64Of(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

