/**
 * Reads the code out of a model's reply: between code block tags (`<code>`…`</code>` by default),
 * or in markdown fences. Several blocks are joined in order. A reply cut before its closing tag
 * (a stop sequence ended it there) still yields its code.
 */

/** The opening and closing tag code is written between. */
export type CodeBlockTags = readonly [open: string, close: string];

/** The default tags. */
export const DEFAULT_CODE_BLOCK_TAGS: CodeBlockTags = ["<code>", "</code>"];

const FENCE = /```[ \t]*(py|python|python3|js|javascript|ts|typescript)?[ \t]*\r?\n([\s\S]*?)(?:```|$)/gi;

/** The code of `reply`, or `undefined` when it has none. */
export function parseCode(reply: string, tags: CodeBlockTags = DEFAULT_CODE_BLOCK_TAGS): string | undefined {
  const blocks = taggedBlocks(reply, tags);
  if (blocks.length === 0) blocks.push(...fencedBlocks(reply));
  const code = blocks
    .map((block) => stripInnerFence(block).replace(/^\s*\n|\s+$/g, ""))
    .filter((block) => block.trim() !== "")
    .join("\n\n");
  return code === "" ? undefined : dedent(code);
}

function taggedBlocks(reply: string, [open, close]: CodeBlockTags): string[] {
  const blocks: string[] = [];
  let from = 0;
  for (;;) {
    const start = reply.indexOf(open, from);
    if (start < 0) return blocks;
    const bodyStart = start + open.length;
    const end = reply.indexOf(close, bodyStart);
    blocks.push(reply.slice(bodyStart, end < 0 ? undefined : end));
    if (end < 0) return blocks;
    from = end + close.length;
  }
}

function fencedBlocks(reply: string): string[] {
  return [...reply.matchAll(FENCE)].map((match) => match[2] ?? "");
}

/** Models often put a fence inside the tags: `<code>```py ... ```</code>`. */
function stripInnerFence(block: string): string {
  const match = /^\s*```[ \t]*[\w+-]*[ \t]*\r?\n([\s\S]*?)\r?\n?[ \t]*```\s*$/.exec(block);
  return match ? (match[1] ?? "") : block;
}

/** Removes indentation shared by every non-blank line, so indented blocks still parse as Python. */
function dedent(code: string): string {
  const lines = code.split("\n");
  const indents = lines.filter((line) => line.trim() !== "").map((line) => /^[ \t]*/.exec(line)![0].length);
  const shared = Math.min(...indents);
  return shared > 0 && Number.isFinite(shared) ? lines.map((line) => line.slice(shared)).join("\n") : code;
}

/** The tag-format reminder the model gets when its reply had no code. */
export function missingCodeMessage(tags: CodeBlockTags = DEFAULT_CODE_BLOCK_TAGS): string {
  const [open, close] = tags;
  return (
    `Your reply had no code. Write a short thought, then your code between ${open} and ${close}, like this:\n` +
    `Thought: I will compute the sum.\n${open}\nresult = sum([1, 2, 3])\nprint(result)\n${close}\n` +
    `When you have the answer, call final_answer(...) in your code.`
  );
}
