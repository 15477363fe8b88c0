/**
 * Images in what a step observed: those a tool returned, and those in the code's last value or
 * final answer. Each is taken out of the value, kept as an image part with a `data:` URL (so the
 * memory stays plain JSON) to go to the model with the next observation, and left in the value as
 * a label the observation text shows: `[image 1: image/png, 12 KB]`.
 */
import type { ImagePart } from "../models/model.js";
import { imageUrl } from "../models/openai/openai-messages.js";
import { BYTES_TAG, fromWire, IMAGE_TAG, isImagePart } from "../executors/wire-values.js";

/** An image that carries its data. */
const DATA_IMAGE_URL = /^data:image\/[A-Za-z0-9][A-Za-z0-9.+-]{0,63};base64,/;

/** Values nested deeper than this are left as they are (a sandbox's values are far shallower). */
const MAX_DEPTH = 64;

/** The images of one step, in the order they were found. */
export class StepImages {
  readonly images: ImagePart[] = [];
  /** The label of each image, in the same order. */
  readonly labels: string[] = [];

  /**
   * `value` with every image in it replaced by its label; the images are kept here. Accepts host
   * values and values in their wire form (a tool result as the code saw it), whose bytes become a
   * `Uint8Array` as on the host, so memory holds one form of each.
   */
  take(value: unknown, depth = 0): unknown {
    if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return value;
    const image = asImage(value);
    if (image !== undefined) return this.add(image);
    if (isWireBytes(value)) return bytesOf(value);
    if (value instanceof Uint8Array || ArrayBuffer.isView(value)) return value;
    if (Array.isArray(value)) return value.map((item: unknown) => this.take(item, depth + 1));
    if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = this.take(item, depth + 1);
    return copy;
  }

  private add(image: ImagePart): string {
    this.images.push(image);
    const label = imageLabel(image, this.images.length);
    this.labels.push(label);
    return label;
  }
}

/** `[image 1: image/png, 12 KB]` for a `data:` URL image (a link, given by the user, is shown as it is). */
export function imageLabel(image: ImagePart, number: number): string {
  const url = typeof image.image === "string" ? image.image : imageUrl(image.image, image.mediaType);
  const data = /^data:([^;,]+);base64,/.exec(url);
  if (data === null) return `[image ${number}: ${url.length > 100 ? `${url.slice(0, 100)}…` : url}]`;
  const padding = url.endsWith("==") ? 2 : url.endsWith("=") ? 1 : 0;
  return `[image ${number}: ${data[1]}, ${sizeText(((url.length - data[0].length) * 3) / 4 - padding)}]`;
}

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * The image `value` is, as an image part with a `data:` URL; undefined for anything else. Only
 * images that carry their data count: an object that merely links to an image (`https:`, `file:`,
 * any URL) stays plain data, because the model's provider would fetch that link, and code or a
 * fetched page could name any address (and put secrets in it).
 */
function asImage(value: object): ImagePart | undefined {
  if (isImagePart(value)) {
    if (typeof value.image === "string" && !DATA_IMAGE_URL.test(value.image)) return undefined;
    let url: string;
    try {
      url = typeof value.image === "string" ? value.image : imageUrl(value.image, value.mediaType);
    } catch {
      return undefined; // bytes of no known image type: they stay data
    }
    return { type: "image", image: url, ...(value.mediaType ? { mediaType: value.mediaType } : {}) };
  }
  const tagged = value as Record<string, unknown>;
  if (typeof tagged[IMAGE_TAG] === "string" && typeof tagged["mediaType"] === "string" && Object.keys(tagged).length === 2) {
    return { type: "image", image: `data:${tagged["mediaType"]};base64,${tagged[IMAGE_TAG]}`, mediaType: tagged["mediaType"] };
  }
  return undefined;
}

function isWireBytes(value: object): boolean {
  return Object.keys(value).length === 1 && typeof (value as Record<string, unknown>)[BYTES_TAG] === "string";
}

/** Wire bytes as a Uint8Array; a malformed tag (a tool's own data in that shape) stays as it is. */
function bytesOf(value: object): unknown {
  try {
    return fromWire(value);
  } catch {
    return value;
  }
}
