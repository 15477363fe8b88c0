/**
 * Splits a stream of text from a sandbox into lines, in time linear in what arrives: each chunk is
 * searched once for newlines, and a partial line is kept as a list of pieces joined only when its
 * newline comes. A line may not grow past a set length: a sandbox is untrusted, and one endless
 * line must not make the host hold (or rescan) hundreds of megabytes.
 */

/** What a {@link LineSplitter} reports. */
export interface LineSplitterOptions {
  /** The longest line accepted, in characters, without its newline. */
  maxLineLength: number;
  /** Called for each complete line, without its newline. */
  onLine(line: string): void;
  /**
   * Called once when a line grows past `maxLineLength`, with the length reached and the line's
   * first characters; the splitter then drops everything that arrives after it (the sender broke
   * the protocol), or, with `skipOverlong`, only the rest of that line.
   */
  onOverflow(length: number, head: string): void;
  /**
   * Go on after an overlong line, from the next newline: for a stream that carries the lines of
   * several senders (a shared sandbox process), where one sender's line must not end the others'.
   */
  skipOverlong?: boolean;
}

/** How many of an overlong line's first characters {@link LineSplitterOptions.onOverflow} gets. */
const HEAD_LENGTH = 64;

/** Turns chunks of text into lines; see the module comment. */
export class LineSplitter {
  private pieces: string[] = [];
  private pendingLength = 0;
  private overflowed = false;
  /** Dropping the rest of an overlong line (with `skipOverlong`). */
  private skipping = false;
  private maxLineLength: number;

  constructor(private readonly options: LineSplitterOptions) {
    this.maxLineLength = options.maxLineLength;
  }

  /** Changes the longest line accepted, from the line being built on. */
  setMaxLineLength(maxLineLength: number): void {
    this.maxLineLength = maxLineLength;
  }

  /** Whether a line went past the limit (nothing is reported after that). */
  get broken(): boolean {
    return this.overflowed;
  }

  /** Feeds the next chunk; complete lines are reported before this returns. */
  push(chunk: string): void {
    let start = 0;
    while (!this.overflowed) {
      const newline = chunk.indexOf("\n", start);
      if (newline < 0) {
        if (!this.skipping) this.keep(chunk.slice(start));
        return;
      }
      const tail = chunk.slice(start, newline);
      start = newline + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      if (!this.keep(tail)) {
        // The overlong line ended at this newline: nothing more of it to skip.
        if (!this.options.skipOverlong) return;
        this.skipping = false;
        continue;
      }
      const line = this.pieces.length === 1 ? this.pieces[0]! : this.pieces.join("");
      this.pieces = [];
      this.pendingLength = 0;
      this.options.onLine(line);
    }
  }

  /** Adds to the line being built; false once it is over the limit. */
  private keep(piece: string): boolean {
    this.pendingLength += piece.length;
    if (this.pendingLength > this.maxLineLength) {
      let head = "";
      for (const part of [...this.pieces.slice(0, HEAD_LENGTH), piece]) {
        if (head.length >= HEAD_LENGTH) break;
        head += part.slice(0, HEAD_LENGTH - head.length);
      }
      const length = this.pendingLength;
      this.pieces = [];
      this.pendingLength = 0;
      if (this.options.skipOverlong) this.skipping = true;
      else this.overflowed = true;
      this.options.onOverflow(length, head);
      return false;
    }
    this.pieces.push(piece);
    return true;
  }
}
