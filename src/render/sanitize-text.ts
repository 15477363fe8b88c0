/**
 * Text from the model, a sandbox, a tool or a model server is untrusted: printed raw, its escape
 * sequences would drive the user's terminal (set the window title, write the clipboard with OSC 52,
 * plant hyperlinks, clear the screen, move the cursor) and bidi controls would reorder what the
 * user reads. These functions make such text safe to print, as text or as JSON.
 */

/* eslint-disable no-control-regex */

// Every escape sequence a terminal acts on, in both its 7-bit (ESC + letter) and 8-bit (C1) forms:
// - strings (OSC, DCS, SOS, PM, APC) run to their terminator (BEL or ST), or to the next ESC,
//   which a terminal takes as the start of a new sequence, or to the end of the text;
// - CSI: parameters, intermediates and a final byte;
// - any other ESC with its intermediates and final byte, and a lone ESC.
// Each branch consumes at most up to the next ESC or terminator, so the scan is linear.
const ESCAPE_SEQUENCE = new RegExp(
  [
    "(?:\\u001b[\\]PX^_]|[\\u0090\\u0098\\u009d\\u009e\\u009f])[^\\u0007\\u001b\\u009c]*(?:\\u0007|\\u009c|\\u001b\\\\|(?=\\u001b)|$)",
    "(?:\\u001b\\[|\\u009b)[\\u0030-\\u003f]*[\\u0020-\\u002f]*[\\u0040-\\u007e]?",
    "\\u001b[\\u0020-\\u002f]*[\\u0030-\\u007e]?",
  ].join("|"),
  "g",
);

// C0 controls except tab and newline, DEL, and C1 controls, none of which belong in a transcript.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

// Bidi embeddings, overrides and isolates ("Trojan Source"): they make text display in an order
// other than the one it has. Marks (LRM, RLM) only nudge neutral characters and are kept.
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

// What `JSON.stringify` leaves raw but a terminal may act on: DEL, C1 controls, bidi controls.
const RAW_IN_JSON = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Makes untrusted text safe to print: escape sequences (CSI, OSC, DCS, SOS, PM, APC, in 7-bit and
 * 8-bit form) are removed whole, other control characters and bidi controls are dropped, and
 * carriage returns become line breaks (a progress bar that redraws itself with `\r` prints as
 * successive lines).
 *
 * @param text - Untrusted text.
 * @returns The text without any escape sequence or control character other than `\n` and `\t`.
 */
export function sanitizeText(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, "").replace(/\r\n?/g, "\n").replace(CONTROL_CHARACTERS, "").replace(BIDI_CONTROLS, "");
}

/**
 * Makes JSON text safe to print without changing what it means: `JSON.stringify` escapes C0
 * controls but leaves DEL, C1 controls (8-bit CSI and OSC) and bidi controls raw; these are
 * written as `\uXXXX` escapes, which parse back to the same characters.
 *
 * @param json - Text produced by `JSON.stringify` (these characters can only occur in its strings).
 */
export function escapeJsonForTerminal(json: string): string {
  return json.replace(RAW_IN_JSON, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

// An escape sequence cut off by the end of a chunk: a string not yet terminated, a CSI without its
// final byte, an ESC with at most intermediates; or a carriage return that may start a CRLF.
const UNFINISHED_SEQUENCE = /(?:(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u009c]*|(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*|\u001b[\u0020-\u002f]*|\r)$/;
const MAX_HELD_CHARS = 4_096;

/** Sanitises text that arrives in pieces (a streamed reply), where a sequence may span pieces. */
export interface StreamSanitizer {
  /** The safe text of `piece`; the start of an escape sequence cut off at its end is held back. */
  push(piece: string): string;
  /** What is still held back, sanitised; the stream ended. */
  flush(): string;
}

/**
 * A {@link sanitizeText} for streamed text: each piece is sanitised as it comes, but an escape
 * sequence that a piece cuts off is held until the next piece completes it, so its payload is
 * removed whole rather than shown in fragments. At most 4,096 characters are held.
 */
export function createStreamSanitizer(): StreamSanitizer {
  let held = "";
  return {
    push(piece) {
      const text = held + piece;
      const unfinished = UNFINISHED_SEQUENCE.exec(text);
      const cut = unfinished === null || text.length - unfinished.index > MAX_HELD_CHARS ? text.length : unfinished.index;
      held = text.slice(cut);
      return sanitizeText(text.slice(0, cut));
    },
    flush() {
      const rest = sanitizeText(held);
      held = "";
      return rest;
    },
  };
}
