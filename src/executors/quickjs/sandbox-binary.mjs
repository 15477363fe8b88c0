// Bytes and images in the QuickJS sandbox. Like sandbox-values.mjs, `sandboxBinary` is evaluated
// inside QuickJS from its source text, before any of the model's code, so it is self-contained and
// calls only built-ins it captured first.
//
// On the wire (src/executors/wire-values.ts) bytes are `{"__bytes__": "<base64>"}` and an image is
// `{"__image__": "<base64>", "mediaType": "image/png"}`. In the sandbox bytes are a `Uint8Array`
// (an `ArrayBuffer` is sent as bytes too) and an image is a frozen `{ type: "image", mediaType,
// data }` with `data` a Uint8Array; an object of that shape the code builds itself is an image
// as well. The base64 work is done here, in the interpreter, so that only text crosses.

/**
 * Returns `wireForm(value)` (the tagged object for bytes or an image, else undefined), `revive(value)`
 * (a parsed JSON value with its tags turned into bytes and images; throws a TypeError on a bad tag),
 * `mayHoldTags(jsonText)`, `isImage(value)` and `describeImage(image)` (`<image image/png, 12,345 bytes>`).
 */
export function sandboxBinary() {
  "use strict";
  const { create, freeze, getOwnPropertyDescriptor, getPrototypeOf, keys } = Object;
  const uncurry = Function.prototype.bind.bind(Function.prototype.call);
  const getter = (prototype, name) => uncurry(getOwnPropertyDescriptor(prototype, name).get);
  const hasOwn = uncurry(Object.prototype.hasOwnProperty);
  const isArray = Array.isArray;
  const apply = Reflect.apply;
  const fromCharCode = String.fromCharCode;
  const charCodeAt = uncurry(String.prototype.charCodeAt);
  const regExpExec = uncurry(RegExp.prototype.exec);
  const join = uncurry(Array.prototype.join);
  const stringSlice = uncurry(String.prototype.slice);
  const indexOf = uncurry(String.prototype.indexOf);
  const StringOf = String;
  const Bytes = Uint8Array;
  const TypeErrorConstructor = TypeError;
  const typedArrayPrototype = getPrototypeOf(Uint8Array.prototype);
  const typedArrayName = getter(typedArrayPrototype, Symbol.toStringTag);
  const byteLengthOf = getter(typedArrayPrototype, "length");
  const arrayBufferLength = getter(ArrayBuffer.prototype, "byteLength");
  const list = () => Object.setPrototypeOf([], null);
  const BYTES_TAG = "__bytes__";
  const IMAGE_TAG = "__image__";
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  const MEDIA_TYPE = /^image\/[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$/;
  const CHUNK = 8190; // characters per fromCharCode call, a multiple of 4 and well within its argument limit
  const codes = new Bytes(128);
  for (let index = 0; index < 64; index++) codes[charCodeAt(ALPHABET, index)] = index;

  const attempt = (read) => {
    try {
      return read();
    } catch {
      return undefined;
    }
  };
  /** The Uint8Array itself, or undefined for anything else (a forged toStringTag cannot pass). */
  const asBytes = (value) => (attempt(() => typedArrayName(value)) === "Uint8Array" ? value : undefined);
  const isArrayBuffer = (value) => attempt(() => arrayBufferLength(value)) !== undefined;
  const dataOf = (value, name) => {
    const descriptor = getOwnPropertyDescriptor(value, name);
    return descriptor !== undefined && hasOwn(descriptor, "value") ? descriptor.value : undefined;
  };

  function base64Of(bytes) {
    const length = byteLengthOf(bytes);
    const pieces = list();
    let chunk = list();
    for (let index = 0; index < length; index += 3) {
      const a = bytes[index];
      const b = index + 1 < length ? bytes[index + 1] : 0;
      const c = index + 2 < length ? bytes[index + 2] : 0;
      chunk[chunk.length] = charCodeAt(ALPHABET, a >> 2);
      chunk[chunk.length] = charCodeAt(ALPHABET, ((a & 3) << 4) | (b >> 4));
      chunk[chunk.length] = index + 1 < length ? charCodeAt(ALPHABET, ((b & 15) << 2) | (c >> 6)) : 61;
      chunk[chunk.length] = index + 2 < length ? charCodeAt(ALPHABET, c & 63) : 61;
      if (chunk.length >= CHUNK) {
        pieces[pieces.length] = apply(fromCharCode, null, chunk);
        chunk = list();
      }
    }
    if (chunk.length > 0) pieces[pieces.length] = apply(fromCharCode, null, chunk);
    return join(pieces, "");
  }

  function bytesOf(text, what) {
    if (typeof text !== "string" || regExpExec(BASE64, text) === null) throw new TypeErrorConstructor(what + " is not valid base64 text");
    const padding = text.length === 0 ? 0 : (charCodeAt(text, text.length - 1) === 61 ? 1 : 0) + (charCodeAt(text, text.length - 2) === 61 ? 1 : 0);
    const bytes = new Bytes((text.length / 4) * 3 - padding);
    let out = 0;
    for (let index = 0; index < text.length; index += 4) {
      const quad =
        (codes[charCodeAt(text, index)] << 18) |
        (codes[charCodeAt(text, index + 1)] << 12) |
        (codes[charCodeAt(text, index + 2) & 127] << 6) |
        codes[charCodeAt(text, index + 3) & 127];
      bytes[out++] = quad >> 16;
      if (out < bytes.length) bytes[out++] = (quad >> 8) & 255;
      if (out < bytes.length) bytes[out++] = quad & 255;
    }
    return bytes;
  }

  // A literal defines its properties: setters the code put on Object.prototype are not called.
  const makeImage = (mediaType, data) => freeze({ type: "image", mediaType, data });

  /** True for `{ type: "image", mediaType, data }` with own data properties and Uint8Array data. */
  function isImage(value) {
    if (typeof value !== "object" || value === null) return false;
    return attempt(() => dataOf(value, "type") === "image" && typeof dataOf(value, "mediaType") === "string" && asBytes(dataOf(value, "data")) !== undefined) === true;
  }

  function describeImage(image) {
    return "<image " + dataOf(image, "mediaType") + ", " + grouped(byteLengthOf(dataOf(image, "data"))) + " bytes>";
  }

  function grouped(count) {
    let text = StringOf(count);
    let result = "";
    while (text.length > 3) {
      result = "," + stringSlice(text, text.length - 3) + result;
      text = stringSlice(text, 0, text.length - 3);
    }
    return text + result;
  }

  function wireForm(value) {
    if (typeof value !== "object" || value === null) return undefined;
    const tagged = create(null);
    const bytes = asBytes(value);
    if (bytes !== undefined) {
      tagged[BYTES_TAG] = base64Of(bytes);
      return tagged;
    }
    if (isArrayBuffer(value)) {
      tagged[BYTES_TAG] = base64Of(new Bytes(value));
      return tagged;
    }
    if (!isImage(value)) return undefined;
    // The media type is checked by the host, which trusts nothing that leaves.
    tagged[IMAGE_TAG] = base64Of(dataOf(value, "data"));
    tagged.mediaType = dataOf(value, "mediaType");
    return tagged;
  }

  /** The bytes or image a tagged object stands for, or undefined for any other object. */
  function untag(item) {
    const names = keys(item);
    if (names.length === 1 && names[0] === BYTES_TAG) return bytesOf(item[BYTES_TAG], "bytes");
    if (names.length === 2 && hasOwn(item, IMAGE_TAG) && hasOwn(item, "mediaType")) {
      const mediaType = item.mediaType;
      if (typeof mediaType !== "string" || regExpExec(MEDIA_TYPE, mediaType) === null) throw new TypeErrorConstructor("an image's mediaType must look like 'image/png'");
      return makeImage(mediaType, bytesOf(item[IMAGE_TAG], "image data"));
    }
    return undefined;
  }

  /** `value` (fresh from JSON.parse) with every tagged object replaced; iterative, so depth is no risk. */
  function revive(value) {
    if (typeof value !== "object" || value === null) return value;
    const root = create(null);
    root.value = value;
    const pending = list();
    pending[0] = root;
    pending[1] = "value";
    while (pending.length > 0) {
      const key = pending[pending.length - 1];
      const holder = pending[pending.length - 2];
      pending.length -= 2;
      const item = holder[key];
      if (typeof item !== "object" || item === null) continue;
      const decoded = isArray(item) ? undefined : untag(item);
      if (decoded !== undefined) {
        holder[key] = decoded;
        continue;
      }
      const names = keys(item);
      for (let index = 0; index < names.length; index++) {
        pending[pending.length] = item;
        pending[pending.length] = names[index];
      }
    }
    return root.value;
  }

  /** Whether JSON text may hold a tag at all: most do not, and need no walk. */
  const mayHoldTags = (text) => indexOf(text, "\"" + BYTES_TAG + "\"") >= 0 || indexOf(text, "\"" + IMAGE_TAG + "\"") >= 0;

  return freeze({ __proto__: null, wireForm, revive, mayHoldTags, isImage, describeImage });
}
