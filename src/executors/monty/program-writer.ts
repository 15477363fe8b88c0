import { lineIndex } from "./python-syntax.js";

/** Where a line of the generated program came from, so errors name the model's own lines. */
export type LineOrigin =
  | { kind: "code"; line: number }
  /** A function or import defined again from an earlier run; `line` is its line in that run. */
  | { kind: "definition"; name: string; line: number }
  | undefined;

/**
 * Builds program text while recording, for every line it writes, the line of the original code
 * it came from (or none, for lines the executor adds).
 */
export class ProgramWriter {
  private readonly chunks: string[] = [];
  private readonly origins: LineOrigin[] = [];
  private line = 0;

  /** Writes `text`; `origin(k)` is the origin of its k-th line (0-based). */
  write(text: string, origin: (lineIndex: number) => LineOrigin = () => undefined): void {
    text.split("\n").forEach((part, index) => {
      if (index > 0) {
        this.chunks.push("\n");
        this.line++;
      }
      // The first text on a line decides its origin; an added prefix keeps the original line's.
      if (part.length > 0 && this.origins[this.line] === undefined) this.origins[this.line] = origin(index);
      this.chunks.push(part);
    });
  }

  /** Writes text that stands for one original line, whatever its own line breaks. */
  writeFor(text: string, origin: LineOrigin): void {
    this.write(text, () => origin);
  }

  /** Ends the current line. */
  newline(): void {
    this.write("\n");
  }

  finish(): { code: string; origins: LineOrigin[] } {
    return { code: this.chunks.join(""), origins: [...this.origins] };
  }
}

/** Copies ranges of one source text into a writer, with their original line numbers. */
export class SourceCopier {
  /** 1-based line of the character at an offset. */
  readonly lineAt: (offset: number) => number;

  constructor(
    readonly source: string,
    private readonly originOf: (line: number) => LineOrigin,
  ) {
    this.lineAt = lineIndex(source);
  }

  origin(line: number): LineOrigin {
    return this.originOf(line);
  }

  copy(writer: ProgramWriter, from: number, to: number): void {
    if (to <= from) return;
    const first = this.lineAt(from);
    writer.write(this.source.slice(from, to), (index) => this.originOf(first + index));
  }
}
