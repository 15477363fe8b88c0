/**
 * `image(data, mediaType)`: the image a tool returns for the model to see. In the sandbox it
 * becomes the language's image value (Python: a dict `{'type': 'image', 'media_type', 'data'}`,
 * JavaScript: `{ type: "image", mediaType, data }`), and the agent shows it to the model with the
 * next observation.
 */
import type { ImagePart } from "../models/model.js";

/** An image of `mediaType` (e.g. `image/png`) from its bytes, or from a `data:` or `https:` URL. */
export function image(data: Uint8Array | ArrayBuffer | string, mediaType?: string): ImagePart {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  return mediaType === undefined ? { type: "image", image: bytes } : { type: "image", image: bytes, mediaType };
}
