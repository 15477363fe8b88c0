/**
 * How one language expresses each behaviour of the executor contract: the code, and what that
 * language calls the result (Python raises `NameError` where JavaScript raises `ReferenceError`).
 */

/** A snippet that must fail, and the error types that count as the right failure. */
export interface FailingSnippet {
  code: string;
  errorTypes: readonly string[];
}

export interface LanguageProfile {
  /** The error type for reading a name that is not defined. */
  undefinedNameError: string;
  assignX: string;
  readX: string;
  /** Defines `double(n)`; a later run calls `double(21)`. */
  defineFunction: string;
  useFunction: string;
  /** Defines a class `Box` holding `v`; a later run builds one. */
  defineClass: string;
  useClass: string;
  importThenUse: [string, string];
  /** Reads `before`, `value` (expects ["ran", 1]); `after` must be undefined. */
  readBeforeAndValue: string;
  readName: (name: string) => string;
  assignName: (name: string, value: string) => string;
  statementOnly: string;
  conversions: string;
  /** A value with no JSON form, and the text it must come back as. */
  reprFallback: { code: string; output: string };
  printBoth: { code: string; logs: string };
  /** Line 3 fails; `lineText` is that line's code, which the message must quote. */
  raiseOnLineThree: FailingSnippet & { lineText: string };
  syntaxError: string;
  raiseValueError: string;
  finalAnswer: string;
  finalAnswerInsideCatchAll: string[];
  toolPositional: string;
  toolKeyword: string;
  toolsInLoopAndFunction: string;
  /** Catches the argument error and prints `caught: <message>`. */
  toolWrongArgument: string;
  toolMissingArgument: FailingSnippet;
  toolThatThrows: string;
  /**
   * Calls `echo_bytes` with the bytes 1, 2, 3 and returns, from its result: whether `data` is the
   * language's bytes type, its items, the picture's type and media type, whether its data is
   * bytes, and the picture itself.
   */
  bytesThroughTool: string;
  /** Reads the variable `payload` (bytes 9, 8, 7): whether it is bytes, its length, its first byte. */
  readBytesVariable: string;
  /** An image the code builds: PNG bytes `89 50 4e 47`, media type image/png. */
  imageFromCode: string;
  /** Bytes whose base64 text is longer than the default maxValueChars (1,000,000). */
  hugeBytes: FailingSnippet;
  /** A value shaped like the wire's bytes tag with text that is not base64. */
  forgedBytesTag: string;
  /** Passes such a value to `echo_bytes`. */
  forgedBytesTagToTool: FailingSnippet;
  unauthorizedImport: FailingSnippet;
  /** Each must fail with one of `errorTypes`, in an executor that authorizes only random and math. */
  indirectImports: { codes: string[]; errorTypes: readonly string[] };
  /** The first snippet tampers with the builtins; the second must still fail as an import. */
  builtinsTampering: { codes: [string, string]; errorTypes: readonly string[] };
  infiniteLoop: string;
  longSleep: string;
  memoryBomb: FailingSnippet;
  /** Frees what the memory bomb held. */
  releaseMemoryBomb: string;
  hugeString: FailingSnippet;
  recursion: FailingSnippet;
  floodOutput: string;
  bigInteger: string;
  onePlusOne: string;
  twoPlusTwo: string;
}

/** The behaviours an executor may declare unsupported (it must then fail with a clear error). */
export type Behaviour = keyof LanguageProfile;
