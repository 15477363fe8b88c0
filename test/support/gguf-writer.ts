/**
 * Writes small GGUF (version 3) model files for tests: a llama-architecture model with random
 * weights and a byte-level SentencePiece vocabulary, small enough to write in milliseconds and for
 * llama.cpp to load and run on a CPU. The text it generates is noise, but every step of the real
 * load-tokenize-evaluate-sample path runs.
 *
 * Layout of a GGUF file: the magic `GGUF`, the version, the tensor count and the metadata count;
 * the metadata as key/typed-value pairs; one descriptor per tensor (name, dimensions innermost
 * first, element type, offset into the data section); padding to the alignment; the tensor data,
 * each tensor starting at a multiple of the alignment. Everything is little-endian.
 */
import { writeFileSync } from "node:fs";

/** GGUF metadata value types. */
const enum ValueType {
  UInt32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  UInt64 = 10,
}

/** A metadata value with its GGUF type. */
type MetadataValue =
  | { type: "u32"; value: number }
  | { type: "i32"; value: number }
  | { type: "f32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "u64"; value: number }
  | { type: "string[]"; value: string[] }
  | { type: "f32[]"; value: number[] }
  | { type: "i32[]"; value: number[] };

/** GGUF tensor element type of 32-bit floats. */
const GGML_TYPE_F32 = 0;
const ALIGNMENT = 32;

/** SentencePiece token kinds, as llama.cpp numbers them. */
const TOKEN_NORMAL = 1;
const TOKEN_UNKNOWN = 2;
const TOKEN_CONTROL = 3;
const TOKEN_BYTE = 6;

/** The shape of the model to write. Defaults make a model of about 0.5 MB. */
export interface TinyModelShape {
  embeddingLength?: number;
  blockCount?: number;
  headCount?: number;
  headCountKv?: number;
  feedForwardLength?: number;
  contextLength?: number;
  /** Seeds the random weights, so the same seed writes the same file. */
  seed?: number;
  /** A Jinja chat template stored as `tokenizer.chat_template`. */
  chatTemplate?: string;
}

/** A plain chat template: role markers on their own lines, the reply ends with the end-of-sequence token. */
export const TINY_CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + eos_token + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

/** The vocabulary: unknown, begin and end tokens, the 256 bytes (SentencePiece's fallback for characters it has no token for), then printable ASCII characters as whole tokens. */
export function tinyVocabulary(): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ["<unk>", "<s>", "</s>"];
  const types = [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL];
  for (let byte = 0; byte < 256; byte++) {
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(TOKEN_BYTE);
  }
  // SentencePiece writes a space as U+2581; the printable characters follow it.
  tokens.push("\u2581");
  types.push(TOKEN_NORMAL);
  for (let code = 0x21; code < 0x7f; code++) {
    tokens.push(String.fromCharCode(code));
    types.push(TOKEN_NORMAL);
  }
  const scores = tokens.map((_, index) => -index);
  return { tokens, scores, types };
}

/** Writes a tiny llama model to `path` and returns the file's bytes. */
export function writeTinyGguf(path: string, shape: TinyModelShape = {}): Buffer {
  const bytes = tinyGgufBytes(shape);
  writeFileSync(path, bytes);
  return bytes;
}

/** The bytes of a tiny llama model in GGUF v3. */
export function tinyGgufBytes(shape: TinyModelShape = {}): Buffer {
  const embd = shape.embeddingLength ?? 64;
  const blocks = shape.blockCount ?? 2;
  const heads = shape.headCount ?? 4;
  const headsKv = shape.headCountKv ?? heads;
  const ff = shape.feedForwardLength ?? 128;
  const headDim = embd / heads;
  const vocab = tinyVocabulary();
  const nVocab = vocab.tokens.length;
  const random = seededNormal(shape.seed ?? 1);

  const metadata: [string, MetadataValue][] = [
    ["general.architecture", { type: "string", value: "llama" }],
    ["general.name", { type: "string", value: "codeagent-tiny-test" }],
    ["general.alignment", { type: "u32", value: ALIGNMENT }],
    ["llama.context_length", { type: "u32", value: shape.contextLength ?? 512 }],
    ["llama.embedding_length", { type: "u32", value: embd }],
    ["llama.block_count", { type: "u32", value: blocks }],
    ["llama.feed_forward_length", { type: "u32", value: ff }],
    ["llama.attention.head_count", { type: "u32", value: heads }],
    ["llama.attention.head_count_kv", { type: "u32", value: headsKv }],
    ["llama.rope.dimension_count", { type: "u32", value: headDim }],
    ["llama.attention.layer_norm_rms_epsilon", { type: "f32", value: 1e-5 }],
    ["llama.vocab_size", { type: "u32", value: nVocab }],
    ["tokenizer.ggml.model", { type: "string", value: "llama" }],
    ["tokenizer.ggml.tokens", { type: "string[]", value: vocab.tokens }],
    ["tokenizer.ggml.scores", { type: "f32[]", value: vocab.scores }],
    ["tokenizer.ggml.token_type", { type: "i32[]", value: vocab.types }],
    ["tokenizer.ggml.unknown_token_id", { type: "u32", value: 0 }],
    ["tokenizer.ggml.bos_token_id", { type: "u32", value: 1 }],
    ["tokenizer.ggml.eos_token_id", { type: "u32", value: 2 }],
    ["tokenizer.ggml.add_bos_token", { type: "bool", value: true }],
    ["tokenizer.ggml.add_eos_token", { type: "bool", value: false }],
    ["tokenizer.chat_template", { type: "string", value: shape.chatTemplate ?? TINY_CHAT_TEMPLATE }],
  ];

  // Dimensions are listed innermost first, as ggml does: a matrix mapping n inputs to m outputs is [n, m].
  const tensors: { name: string; dims: number[]; fill: "ones" | "random" }[] = [
    { name: "token_embd.weight", dims: [embd, nVocab], fill: "random" },
    { name: "output_norm.weight", dims: [embd], fill: "ones" },
    { name: "output.weight", dims: [embd, nVocab], fill: "random" },
  ];
  for (let block = 0; block < blocks; block++) {
    const prefix = `blk.${block}`;
    tensors.push(
      { name: `${prefix}.attn_norm.weight`, dims: [embd], fill: "ones" },
      { name: `${prefix}.attn_q.weight`, dims: [embd, embd], fill: "random" },
      { name: `${prefix}.attn_k.weight`, dims: [embd, headDim * headsKv], fill: "random" },
      { name: `${prefix}.attn_v.weight`, dims: [embd, headDim * headsKv], fill: "random" },
      { name: `${prefix}.attn_output.weight`, dims: [embd, embd], fill: "random" },
      { name: `${prefix}.ffn_norm.weight`, dims: [embd], fill: "ones" },
      { name: `${prefix}.ffn_gate.weight`, dims: [embd, ff], fill: "random" },
      { name: `${prefix}.ffn_up.weight`, dims: [embd, ff], fill: "random" },
      { name: `${prefix}.ffn_down.weight`, dims: [ff, embd], fill: "random" },
    );
  }

  const out = new ByteWriter();
  out.raw(Buffer.from("GGUF", "ascii"));
  out.u32(3);
  out.u64(tensors.length);
  out.u64(metadata.length);
  for (const [key, value] of metadata) {
    out.string(key);
    writeValue(out, value);
  }

  const data: Buffer[] = [];
  let offset = 0;
  for (const tensor of tensors) {
    const count = tensor.dims.reduce((a, b) => a * b, 1);
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = tensor.fill === "ones" ? 1 : random() * 0.5;
    if (tensor.name === "output.weight") silenceTokens(values, embd, vocab.tokens);
    out.string(tensor.name);
    out.u32(tensor.dims.length);
    for (const dim of tensor.dims) out.u64(dim);
    out.u32(GGML_TYPE_F32);
    out.u64(offset);
    const bytes = Buffer.from(values.buffer);
    const padded = Buffer.alloc(alignUp(bytes.length));
    bytes.copy(padded);
    data.push(padded);
    offset += padded.length;
  }
  out.padTo(ALIGNMENT);
  for (const chunk of data) out.raw(chunk);
  return out.toBuffer();
}

/**
 * Zeroes the output rows of tokens the model should not write: with a logit of 0 against the
 * others' spread of several units, greedy and low-temperature sampling never pick them, so the
 * noise the model writes is printable ASCII (no broken UTF-8 from lone high bytes, no control
 * characters but the newline).
 */
function silenceTokens(outputWeights: Float32Array, embd: number, tokens: readonly string[]): void {
  tokens.forEach((token, id) => {
    const byte = /^<0x([0-9A-F]{2})>$/.exec(token);
    const silent = token === "<unk>" || token === "<s>" || (byte !== null && (Number.parseInt(byte[1]!, 16) >= 0x80 || (Number.parseInt(byte[1]!, 16) < 0x20 && token !== "<0x0A>")));
    if (silent) outputWeights.fill(0, id * embd, (id + 1) * embd);
  });
}

function alignUp(length: number): number {
  return Math.ceil(length / ALIGNMENT) * ALIGNMENT;
}

function writeValue(out: ByteWriter, value: MetadataValue): void {
  switch (value.type) {
    case "u32":
      out.u32(ValueType.UInt32);
      out.u32(value.value);
      return;
    case "i32":
      out.u32(ValueType.Int32);
      out.i32(value.value);
      return;
    case "f32":
      out.u32(ValueType.Float32);
      out.f32(value.value);
      return;
    case "bool":
      out.u32(ValueType.Bool);
      out.raw(Buffer.from([value.value ? 1 : 0]));
      return;
    case "string":
      out.u32(ValueType.String);
      out.string(value.value);
      return;
    case "u64":
      out.u32(ValueType.UInt64);
      out.u64(value.value);
      return;
    case "string[]":
      out.u32(ValueType.Array);
      out.u32(ValueType.String);
      out.u64(value.value.length);
      for (const item of value.value) out.string(item);
      return;
    case "f32[]":
      out.u32(ValueType.Array);
      out.u32(ValueType.Float32);
      out.u64(value.value.length);
      for (const item of value.value) out.f32(item);
      return;
    case "i32[]":
      out.u32(ValueType.Array);
      out.u32(ValueType.Int32);
      out.u64(value.value.length);
      for (const item of value.value) out.i32(item);
      return;
  }
}

/** Appends little-endian values to a growing list of chunks. */
class ByteWriter {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  raw(bytes: Buffer): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  u32(value: number): void {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(value);
    this.raw(bytes);
  }

  i32(value: number): void {
    const bytes = Buffer.alloc(4);
    bytes.writeInt32LE(value);
    this.raw(bytes);
  }

  f32(value: number): void {
    const bytes = Buffer.alloc(4);
    bytes.writeFloatLE(value);
    this.raw(bytes);
  }

  u64(value: number): void {
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64LE(BigInt(value));
    this.raw(bytes);
  }

  /** A GGUF string: its UTF-8 length as a u64, then the bytes, no terminator. */
  string(value: string): void {
    const bytes = Buffer.from(value, "utf8");
    this.u64(bytes.length);
    this.raw(bytes);
  }

  padTo(alignment: number): void {
    const rest = this.length % alignment;
    if (rest !== 0) this.raw(Buffer.alloc(alignment - rest));
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Normally distributed numbers from a small seeded generator (mulberry32 and Box-Muller). */
function seededNormal(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
}
