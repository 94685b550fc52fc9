/**
 * YAML writer whose output is byte-identical to PyYAML 6
 * `yaml.safe_dump(data, sort_keys=False)` (block style, indent 2, width 80, ASCII only) for
 * the values `parseYaml` produces. artifacts.md §4, §5, §12.2.
 *
 * The writer keeps the same layout state as PyYAML's emitter (current column, whether the
 * last thing written was whitespace or indentation, the indent stack) because line folding
 * and the placement of `-`/`?`/`:` depend on it.
 */
import { PyFloat, pythonFloatRepr } from "../data/py-float.ts";
import { YamlTimestamp, yaml11Tag } from "./parse-yaml.ts";

const BEST_INDENT = 2;
const BEST_WIDTH = 80;
// PyYAML writes a key in the explicit `? key` form unless its length plus the length of its
// tag as PyYAML would spell it (`!!str`, counted even though it is never written) is < 128.
const SIMPLE_KEY_LIMIT = 128;
const STR_TAG_LENGTH = "!!str".length;

const LINE_BREAKS = "\n\x85\u2028\u2029";
const BLANK_OR_BREAK = "\0 \t\r\n\x85\u2028\u2029";

/** Short escapes of PyYAML's double-quoted writer; other characters use \xXX, \uXXXX, \UXXXXXXXX. */
const ESCAPES: Record<string, string> = {
  "\0": "0",
  "\x07": "a",
  "\x08": "b",
  "\x09": "t",
  "\x0A": "n",
  "\x0B": "v",
  "\x0C": "f",
  "\x0D": "r",
  "\x1B": "e",
  '"': '"',
  "\\": "\\",
  "\x85": "N",
  "\xA0": "_",
  "\u2028": "L",
  "\u2029": "P",
};

/**
 * Serializes a value as PyYAML `safe_dump(value, sort_keys=False)` would: plain objects as
 * block mappings in key order (keys whose value is `undefined` are skipped), arrays as block
 * sequences (not indented under a mapping key), `{}`/`[]` when empty; strings plain,
 * single-quoted or double-quoted exactly as PyYAML chooses (anything a YAML 1.1 reader would
 * retype is quoted, non-ASCII is escaped); integers (`number`/`bigint`), {@link PyFloat}
 * (`1.0`, `1.0e+20`, `.inf`, `.nan`), booleans `true`/`false`, `null`, and
 * {@link YamlTimestamp} written back as its text. The result ends with a single `\n`.
 *
 * Deliberate deviation: an object reachable twice is written out twice, where PyYAML would
 * emit an `&id001` anchor and an alias (which `parseYaml` refuses). Throws `TypeError` on a
 * cycle, a non-string key source (symbols), `undefined` outside an object, or any other type.
 */
export function dumpYaml(value: unknown): string {
  const emitter = new Emitter();
  emitter.document(value);
  return emitter.output;
}

interface Context {
  root?: boolean;
  mapping?: boolean;
  simpleKey?: boolean;
}

interface Analysis {
  chars: string[];
  empty: boolean;
  multiline: boolean;
  allowFlowPlain: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
}

/** A scalar to write: its text and whether a plain rendering reads back as the same type. */
interface ScalarItem {
  text: string;
  implicit: boolean;
}

class Emitter {
  output = "";
  private column = 0;
  private whitespace = true;
  private indention = true;
  private openEnded = false;
  private flowLevel = 0;
  private indent: number | null = null;
  private readonly indents: (number | null)[] = [];
  private readonly active = new Set<object>();

  document(value: unknown): void {
    if (value === undefined) throw new TypeError("dumpYaml: cannot serialize undefined");
    this.node(value, { root: true });
    this.writeIndent();
    // A plain scalar at the root leaves the stream "open ended"; PyYAML then closes it.
    if (this.openEnded) {
      this.writeIndicator("...", true);
      this.writeIndent();
    }
  }

  private node(value: unknown, ctx: Context): void {
    if (Array.isArray(value)) {
      this.collection(value, () => this.sequence(value, ctx));
    } else if (isPlainObject(value)) {
      this.collection(value, () => this.mapping(value));
    } else {
      this.increaseIndent(true, false);
      this.scalar(scalarItem(value), ctx);
      this.popIndent();
    }
  }

  private collection(value: unknown[] | Record<string, unknown>, block: () => void): void {
    if (this.active.has(value)) throw new TypeError("dumpYaml: cannot serialize a cyclic structure");
    this.active.add(value);
    const empty = Array.isArray(value) ? value.length === 0 : entries(value).length === 0;
    // Collections are block style except when empty (PyYAML: `{}` / `[]`).
    if (this.flowLevel > 0 || empty) {
      const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
      this.writeIndicator(open, true, true);
      this.flowLevel++;
      this.increaseIndent(true, false);
      this.popIndent();
      this.flowLevel--;
      this.writeIndicator(close, false);
    } else {
      block();
    }
    this.active.delete(value);
  }

  private sequence(items: unknown[], ctx: Context): void {
    // A sequence that is a mapping value is not indented relative to its key (§12.2).
    this.increaseIndent(false, Boolean(ctx.mapping) && !this.indention);
    for (const item of items) {
      if (item === undefined) throw new TypeError("dumpYaml: cannot serialize undefined in an array");
      this.writeIndent();
      this.writeIndicator("-", true, false, true);
      this.node(item, {});
    }
    this.popIndent();
  }

  private mapping(object: Record<string, unknown>): void {
    this.increaseIndent(false, false);
    for (const [key, value] of entries(object)) {
      this.writeIndent();
      const keyItem: ScalarItem = { text: key, implicit: yaml11Tag(key) === "str" };
      const analysis = analyze(key);
      if (
        analysis.chars.length + STR_TAG_LENGTH < SIMPLE_KEY_LIMIT &&
        !analysis.empty &&
        !analysis.multiline
      ) {
        this.increaseIndent(true, false);
        this.scalar(keyItem, { mapping: true, simpleKey: true }, analysis);
        this.popIndent();
        this.writeIndicator(":", false);
      } else {
        this.writeIndicator("?", true, false, true);
        this.increaseIndent(true, false);
        this.scalar(keyItem, { mapping: true }, analysis);
        this.popIndent();
        this.writeIndent();
        this.writeIndicator(":", true, false, true);
      }
      this.node(value, { mapping: true });
    }
    this.popIndent();
  }

  private increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  private popIndent(): void {
    this.indent = this.indents.pop() ?? null;
  }

  private scalar(item: ScalarItem, ctx: Context, analysis = analyze(item.text)): void {
    const split = !ctx.simpleKey;
    const style = this.chooseStyle(item, analysis, Boolean(ctx.simpleKey));
    if (style === '"') this.writeDoubleQuoted(analysis.chars, split);
    else if (style === "'") this.writeSingleQuoted(analysis.chars, split);
    else this.writePlain(analysis.chars, split, Boolean(ctx.root));
  }

  private chooseStyle(item: ScalarItem, a: Analysis, simpleKey: boolean): "" | "'" | '"' {
    if (item.implicit && !(simpleKey && (a.empty || a.multiline))) {
      if (this.flowLevel > 0 ? a.allowFlowPlain : a.allowBlockPlain) return "";
    }
    if (a.allowSingleQuoted && !(simpleKey && a.multiline)) return "'";
    return '"';
  }

  private write(data: string): void {
    this.output += data;
    this.column += data.length;
  }

  private writeIndicator(
    indicator: string,
    needWhitespace: boolean,
    whitespace = false,
    indention = false,
  ): void {
    this.write(this.whitespace || !needWhitespace ? indicator : ` ${indicator}`);
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.openEnded = false;
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.writeLineBreak();
    }
    if (this.column < indent) {
      this.whitespace = true;
      this.write(" ".repeat(indent - this.column));
    }
  }

  private writeLineBreak(data = "\n"): void {
    this.whitespace = true;
    this.indention = true;
    this.output += data;
    this.column = 0;
  }

  private writePlain(chars: string[], split: boolean, root: boolean): void {
    if (root) this.openEnded = true;
    if (chars.length === 0) return;
    if (!this.whitespace) this.write(" ");
    this.whitespace = false;
    this.indention = false;
    let spaces = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = chars[end];
      if (spaces) {
        if (ch !== " ") {
          // Fold at a single space once past the width (multi-line plain is never chosen).
          if (start + 1 === end && this.column > BEST_WIDTH && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else {
            this.write(chars.slice(start, end).join(""));
          }
          start = end;
        }
      } else if (ch === undefined || ch === " ") {
        this.write(chars.slice(start, end).join(""));
        start = end;
      }
      if (ch !== undefined) spaces = ch === " ";
    }
  }

  private writeSingleQuoted(chars: string[], split: boolean): void {
    this.writeIndicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = chars[end];
      if (spaces) {
        if (ch !== " ") {
          if (start + 1 === end && this.column > BEST_WIDTH && split && start !== 0 && end !== chars.length) {
            this.writeIndent();
          } else {
            this.write(chars.slice(start, end).join(""));
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !LINE_BREAKS.includes(ch)) {
          // A line break inside a flow scalar is written doubled (one folds away on reading).
          if (chars[start] === "\n") this.writeLineBreak();
          for (const br of chars.slice(start, end)) this.writeLineBreak(br);
          this.writeIndent();
          start = end;
        }
      } else if (ch === undefined || ch === " " || ch === "'" || LINE_BREAKS.includes(ch)) {
        if (start < end) {
          this.write(chars.slice(start, end).join(""));
          start = end;
        }
      }
      if (ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== undefined) {
        spaces = ch === " ";
        breaks = LINE_BREAKS.includes(ch);
      }
    }
    this.writeIndicator("'", false);
  }

  private writeDoubleQuoted(chars: string[], split: boolean): void {
    this.writeIndicator('"', true);
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = chars[end];
      if (ch === undefined || '"\\\x85\u2028\u2029\uFEFF'.includes(ch) || !isPrintableAscii(ch)) {
        if (start < end) {
          this.write(chars.slice(start, end).join(""));
          start = end;
        }
        if (ch !== undefined) {
          this.write(`\\${ESCAPES[ch] ?? hexEscape(ch)}`);
          start = end + 1;
        }
      }
      // Fold long lines with a trailing `\`; a space that starts the next line is escaped.
      if (
        end > 0 &&
        end < chars.length - 1 &&
        (ch === " " || start >= end) &&
        this.column + (end - start) > BEST_WIDTH &&
        split
      ) {
        this.write(`${chars.slice(start, end).join("")}\\`);
        if (start < end) start = end;
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (chars[start] === " ") this.write("\\");
      }
    }
    this.writeIndicator('"', false);
  }
}

function isPrintableAscii(ch: string): boolean {
  const code = ch.codePointAt(0) ?? 0;
  return code >= 0x20 && code <= 0x7e;
}

function hexEscape(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  const hex = code.toString(16).toUpperCase();
  if (code <= 0xff) return `x${hex.padStart(2, "0")}`;
  if (code <= 0xffff) return `u${hex.padStart(4, "0")}`;
  return `U${hex.padStart(8, "0")}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function entries(object: Record<string, unknown>): [string, unknown][] {
  return Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .map((key) => [key, object[key]]);
}

/** How PyYAML's representer spells a non-collection value (all of these resolve back). */
function scalarItem(value: unknown): ScalarItem {
  if (typeof value === "string") return { text: value, implicit: yaml11Tag(value) === "str" };
  if (value === null) return { text: "null", implicit: true };
  if (typeof value === "boolean") return { text: value ? "true" : "false", implicit: true };
  if (typeof value === "bigint") return { text: value.toString(), implicit: true };
  if (typeof value === "number") {
    return { text: Number.isInteger(value) ? BigInt(value).toString() : yamlFloat(value), implicit: true };
  }
  if (value instanceof PyFloat) return { text: yamlFloat(value.value), implicit: true };
  if (value instanceof YamlTimestamp) return { text: value.text, implicit: true };
  throw new TypeError(`dumpYaml: cannot serialize ${value === undefined ? "undefined" : typeof value}`);
}

/** PyYAML represent_float: `.nan`, `.inf`, `-.inf`, else repr() with `.0` forced before `e`. */
function yamlFloat(value: number): string {
  if (Number.isNaN(value)) return ".nan";
  if (value === Number.POSITIVE_INFINITY) return ".inf";
  if (value === Number.NEGATIVE_INFINITY) return "-.inf";
  const repr = pythonFloatRepr(value);
  return !repr.includes(".") && repr.includes("e") ? repr.replace("e", ".0e") : repr;
}

/**
 * PyYAML's analyze_scalar with allow_unicode=False: which of plain / single-quoted styles
 * can carry this text (double-quoted always can). Works on code points, as Python does.
 */
function analyze(text: string): Analysis {
  const chars = Array.from(text);
  if (chars.length === 0) {
    return {
      chars,
      empty: true,
      multiline: false,
      allowFlowPlain: false,
      allowBlockPlain: true,
      allowSingleQuoted: true,
    };
  }
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;

  if (text.startsWith("---") || text.startsWith("...")) {
    blockIndicators = true;
    flowIndicators = true;
  }
  let precededByWhitespace = true;
  let previousSpace = false;
  let previousBreak = false;
  const last = chars.length - 1;
  chars.forEach((ch, index) => {
    const next = chars[index + 1];
    const followedByWhitespace = next === undefined || BLANK_OR_BREAK.includes(next);
    if (index === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) {
        flowIndicators = true;
        blockIndicators = true;
      }
      if (ch === "?" || ch === ":") {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === "-" && followedByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    } else {
      if (",?[]{}".includes(ch)) flowIndicators = true;
      if (ch === ":") {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === "#" && precededByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    }
    const isBreak = LINE_BREAKS.includes(ch);
    if (isBreak) lineBreaks = true;
    // With allow_unicode=False every character outside printable ASCII (except \n) needs
    // the double-quoted style.
    if (ch !== "\n" && !isPrintableAscii(ch)) special = true;
    if (ch === " ") {
      if (index === 0) leadingSpace = true;
      if (index === last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak) {
      if (index === 0) leadingBreak = true;
      if (index === last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = BLANK_OR_BREAK.includes(ch);
  });

  let allowFlowPlain = true;
  let allowBlockPlain = true;
  let allowSingleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak)
    allowFlowPlain = allowBlockPlain = false;
  if (breakSpace) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
  if (spaceBreak || special) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
  if (lineBreaks) allowFlowPlain = allowBlockPlain = false;
  if (flowIndicators) allowFlowPlain = false;
  if (blockIndicators) allowBlockPlain = false;
  return { chars, empty: false, multiline: lineBreaks, allowFlowPlain, allowBlockPlain, allowSingleQuoted };
}
