/**
 * Files the user attaches to a message in the web UI, sent base64 in the message's JSON: images
 * go to the model with the task, other files become the sandbox variable `files` (name → text
 * when it is UTF-8, bytes otherwise). Names and media types are checked, count and size bounded.
 */
import type { ImagePart } from "../models/model.js";

/** Image types sent to the model as images; any other file goes to `files`. */
export const IMAGE_MEDIA_TYPES: ReadonlySet<string> = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
/** Files one message may carry. */
export const MAX_ATTACHMENTS = 20;
/** Default total of one message's attachments, decoded: 10 MB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// Control characters and path separators: a name is one file, never a path or a terminal trick.
// eslint-disable-next-line no-control-regex
const BAD_NAME_CHARACTERS = /[\u0000-\u001f\u007f/\\]/;

/** What a message's attachments become for `agent.run`. */
export interface Uploads {
  images: ImagePart[];
  /** File name → text (UTF-8) or bytes; empty when only images came. */
  files: Record<string, string | Uint8Array>;
  /** Every attached name, in order, to show in the conversation. */
  names: string[];
}

/** Why attachments were refused: `status` 400 for a malformed one, 413 for too many bytes. */
export interface UploadRefusal {
  status: 400 | 413;
  error: string;
}

/** Human size of a byte count (the limit named in a refusal). */
export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${+(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * Reads `attachments` from a message body: an array of `{ name, type, data }` with `data` base64.
 * Returns the uploads, or the refusal to answer with.
 */
export function readAttachments(value: unknown, maxBytes: number): Uploads | UploadRefusal {
  const uploads: Uploads = { images: [], files: {}, names: [] };
  if (value === undefined) return uploads;
  if (!Array.isArray(value)) return bad('"attachments" must be an array of { "name", "type", "data" (base64) }.');
  if (value.length > MAX_ATTACHMENTS) return bad(`At most ${MAX_ATTACHMENTS} files per message: send fewer.`);
  let total = 0;
  for (const entry of value as unknown[]) {
    const { name, type, data } = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof name !== "string" || typeof type !== "string" || typeof data !== "string") {
      return bad('Each attachment needs "name", "type" and "data" (base64), all strings.');
    }
    const nameProblem = problemWithName(name);
    if (nameProblem !== undefined) return bad(nameProblem);
    if (uploads.names.includes(name)) return bad(`Two files are named "${name}": rename one.`);
    if (type !== "" && !MEDIA_TYPE.test(type)) return bad(`The media type of "${name}" is not one: "${type.slice(0, 80)}".`);
    if (data.length % 4 !== 0 || !BASE64.test(data)) return bad(`The data of "${name}" is not base64.`);
    const bytes = Buffer.from(data, "base64");
    total += bytes.length;
    if (total > maxBytes) return { status: 413, error: `The attached files are too large: together at most ${formatBytes(maxBytes)} per message.` };
    uploads.names.push(name);
    const mediaType = type.toLowerCase();
    if (IMAGE_MEDIA_TYPES.has(mediaType)) uploads.images.push({ type: "image", image: `data:${mediaType};base64,${data}`, mediaType });
    else uploads.files[name] = textOrBytes(bytes);
  }
  return uploads;
}

function bad(error: string): UploadRefusal {
  return { status: 400, error };
}

function problemWithName(name: string): string | undefined {
  const shown = JSON.stringify(name.slice(0, 80));
  if (name.trim() === "" || name === "." || name === "..") return `A file name is empty or a directory (${shown}): rename the file.`;
  if (name.length > 255) return `The file name ${shown}... is longer than 255 characters: rename the file.`;
  if (BAD_NAME_CHARACTERS.test(name)) return `The file name ${shown} has a path separator or a control character: send a plain file name.`;
  return undefined;
}

/** Text when the bytes are UTF-8, so the code can read a CSV as a string; otherwise the bytes. */
function textOrBytes(bytes: Buffer): string | Uint8Array {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return new Uint8Array(bytes);
  }
}
