/**
 * Strict JSON reader (RFC 8259) for request.json, signed.json, ca.json and audit records
 * (artifacts.md §6, §8, §9.1, §11, §12.1). A small recursive-descent parser of its own, so
 * that duplicate keys are refused and floats keep their Python type.
 */
import { fromUtf8, utf8 } from "../bytes/encoding.ts";
import { PyFloat } from "../data/py-float.ts";

/** Default cap on the size of a JSON input: 1 MiB. */
export const DEFAULT_MAX_JSON_BYTES = 1024 * 1024;

/** Deepest nesting of objects/arrays accepted. */
export const MAX_JSON_DEPTH = 64;

/**
 * Why a JSON input was refused. `message` is a short reason, with `at line L, column C` when
 * the position is known; it does not name the input, so the caller wraps it and picks the
 * error code.
 */
export class JsonParseError extends Error {
  override readonly name = "JsonParseError";
  /**
   * @param reason the short reason, position included when known
   * @param label the caller's name for the input (usually its path), kept for the caller
   * @param line 1-based line of the offending text, when known
   * @param column 1-based column of the offending text, when known
   */
  constructor(
    reason: string,
    readonly label: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(reason);
  }
}

/** Options of {@link parseJson}. */
export interface ParseJsonOptions {
  /** Largest accepted input in bytes (UTF-8 size for string input); default 1 MiB. */
  maxBytes?: number;
}

/**
 * Parses one JSON text. Takes text or bytes (strict UTF-8; a leading BOM is skipped, as
 * Python's `json.loads(bytes)` does) and a label naming the input (kept on errors).
 * Returns plain objects (keys in document order), arrays, strings, booleans, `null`, plain
 * `number`s for integers and {@link PyFloat} for numbers written with a fraction or an
 * exponent (`900.0`, `1e5`), as Python's `json` types them. Escaped lone surrogates
 * (`"\ud800"`) are kept, as Python does.
 *
 * Throws {@link JsonParseError} on: anything outside RFC 8259 (incl. `NaN`/`Infinity`,
 * which Python would accept), trailing data, invalid UTF-8, duplicate keys (Python keeps the
 * last silently; refused here so two readers cannot disagree), nesting deeper than
 * {@link MAX_JSON_DEPTH}, input over `maxBytes` (default 1 MiB), and integers beyond
 * ±(2^53 - 1), which a JavaScript number cannot hold exactly.
 */
export function parseJson(
  input: string | Uint8Array,
  label: string,
  options: ParseJsonOptions = {},
): unknown {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_JSON_BYTES;
  let text: string;
  if (typeof input === "string") {
    const size = utf8(input).length;
    if (size > maxBytes)
      throw new JsonParseError(`input is ${size} bytes, over the ${maxBytes}-byte limit`, label);
    text = input;
  } else {
    if (input.length > maxBytes) {
      throw new JsonParseError(`input is ${input.length} bytes, over the ${maxBytes}-byte limit`, label);
    }
    try {
      text = fromUtf8(input);
    } catch {
      throw new JsonParseError("input is not valid UTF-8", label);
    }
  }
  return new Parser(text.startsWith("\uFEFF") ? text.slice(1) : text, label).document();
}

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
const SHORT_ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly label: string,
  ) {}

  document(): unknown {
    this.skipWhitespace();
    const value = this.value(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail("unexpected data after the JSON value");
    return value;
  }

  private fail(reason: string, at = this.pos): never {
    let line = 1;
    let lineStart = 0;
    for (let i = this.text.indexOf("\n"); i !== -1 && i < at; i = this.text.indexOf("\n", i + 1)) {
      line++;
      lineStart = i + 1;
    }
    const column = at - lineStart + 1;
    throw new JsonParseError(`${reason} at line ${line}, column ${column}`, this.label, line, column);
  }

  private skipWhitespace(): void {
    for (;;) {
      const ch = this.text[this.pos];
      if (ch !== " " && ch !== "\t" && ch !== "\n" && ch !== "\r") return;
      this.pos++;
    }
  }

  private value(depth: number): unknown {
    const ch = this.text[this.pos];
    if (ch === "{") return this.object(depth + 1);
    if (ch === "[") return this.array(depth + 1);
    if (ch === '"') return this.string();
    if (ch === "-" || (ch !== undefined && ch >= "0" && ch <= "9")) return this.number();
    for (const [word, result] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return result;
      }
    }
    return this.fail(ch === undefined ? "unexpected end of input, expected a value" : "expected a value");
  }

  private enter(depth: number): void {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
    this.pos++;
    this.skipWhitespace();
  }

  private object(depth: number): Record<string, unknown> {
    this.enter(depth);
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      const keyAt = this.pos;
      if (this.text[this.pos] !== '"') this.fail("expected a string key");
      const key = this.string();
      if (seen.has(key)) this.fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
      seen.add(key);
      this.skipWhitespace();
      if (this.text[this.pos] !== ":") this.fail("expected ':' after an object key");
      this.pos++;
      this.skipWhitespace();
      const value = this.value(depth);
      if (key === "__proto__") {
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        out[key] = value;
      }
      this.skipWhitespace();
      const ch = this.text[this.pos];
      this.pos++;
      if (ch === "}") return out;
      if (ch !== ",") this.fail("expected ',' or '}' in an object", this.pos - 1);
      this.skipWhitespace();
    }
  }

  private array(depth: number): unknown[] {
    this.enter(depth);
    const out: unknown[] = [];
    if (this.text[this.pos] === "]") {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth));
      this.skipWhitespace();
      const ch = this.text[this.pos];
      this.pos++;
      if (ch === "]") return out;
      if (ch !== ",") this.fail("expected ',' or ']' in an array", this.pos - 1);
      this.skipWhitespace();
    }
  }

  private string(): string {
    const start = this.pos;
    this.pos++;
    let out = "";
    let chunk = this.pos;
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined) this.fail("unterminated string", start);
      if (ch === '"') {
        out += this.text.slice(chunk, this.pos);
        this.pos++;
        return out;
      }
      if (ch < " ") this.fail("invalid control character in a string");
      if (ch === "\\") {
        out += this.text.slice(chunk, this.pos);
        const esc = this.text[this.pos + 1];
        if (esc === "u") {
          const hex = this.text.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("invalid \\u escape");
          // Code units are appended one by one: a \ud83d\ude00 pair joins into one
          // character and a lone surrogate stays, like Python's json.
          out += String.fromCharCode(Number.parseInt(hex, 16));
          this.pos += 6;
        } else {
          const replacement = esc === undefined ? undefined : SHORT_ESCAPES[esc];
          if (replacement === undefined) this.fail("invalid escape in a string");
          out += replacement;
          this.pos += 2;
        }
        chunk = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  private number(): number | PyFloat {
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.text);
    if (!m) return this.fail("invalid number");
    const start = this.pos;
    this.pos += m[0].length;
    if (m[1] !== undefined || m[2] !== undefined) return new PyFloat(Number(m[0]));
    const value = Number(m[0]);
    if (!Number.isSafeInteger(value)) {
      this.fail(`integer ${m[0]} is too large (the limit is ±${Number.MAX_SAFE_INTEGER})`, start);
    }
    // `-0` is the integer 0 in Python.
    return value === 0 ? 0 : value;
  }
}
