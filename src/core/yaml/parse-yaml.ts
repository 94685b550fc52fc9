/**
 * YAML reader with the typing of PyYAML 6 `yaml.safe_load` (YAML 1.1 implicit resolution),
 * hardened for untrusted input. artifacts.md §1, §2, §5; validation.md §2.
 *
 * The `yaml` package does the syntax (it runs in browsers); it is asked for the failsafe
 * schema so that every scalar arrives as text, and the YAML 1.1 typing below is applied
 * here, because the package's own "1.1" schema differs from PyYAML (it reads `y`/`n` as
 * booleans and `1e3` as a float, for instance).
 */
import { isAlias, isMap, isScalar, isSeq, type Node, parseDocument, Scalar } from "yaml";
import { fromUtf8, utf8 } from "../bytes/encoding.ts";
import { PyFloat } from "../data/py-float.ts";

/** Default cap on the size of a YAML input: 1 MiB. */
export const DEFAULT_MAX_YAML_BYTES = 1024 * 1024;

/** Deepest nesting of mappings/sequences accepted (participant files are a few levels deep). */
export const MAX_YAML_DEPTH = 64;

/**
 * A YAML 1.1 timestamp (`2026-01-01`, `2001-12-14t21:59:43.10-05:00`, ...). PyYAML turns these
 * into `date`/`datetime`; here the source text is kept. It is not a string, so name checks
 * reject it as the reference does, and `dumpYaml` writes `text` back as a plain scalar.
 */
export class YamlTimestamp {
  /** @param text the scalar exactly as written in the document. */
  constructor(readonly text: string) {}
}

/**
 * Why a YAML input was refused. `message` is a short reason, with `at line L, column C` when
 * the position is known; it does not name the input, so the caller wraps it (validation.md
 * §4: `failed to parse yaml <path>: <reason>`) and picks the error code.
 */
export class YamlParseError extends Error {
  override readonly name = "YamlParseError";
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

/** Options of {@link parseYaml}. */
export interface ParseYamlOptions {
  /** Largest accepted input in bytes (UTF-8 size for string input); default 1 MiB. */
  maxBytes?: number;
}

/** The YAML 1.1 types PyYAML's resolver can give a plain scalar. */
export type Yaml11Tag = "str" | "null" | "bool" | "int" | "float" | "timestamp" | "merge" | "value" | "yaml";

// PyYAML 6 resolver.py implicit resolvers, in its registration order (verbose regexes with
// the layout whitespace removed; whitespace inside character classes is significant there).
const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT_RE =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const MERGE_RE = /^(?:<<)$/;
const NULL_RE = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP_RE =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const VALUE_RE = /^(?:=)$/;
const YAML_RE = /^(?:!|&|\*)$/;

// PyYAML constructor.py's timestamp pattern, with groups, to build and range-check the value.
const TIMESTAMP_PARTS_RE =
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$/;

/**
 * The tag PyYAML's YAML 1.1 resolver gives an untagged plain scalar with this text
 * (`"str"` when no implicit resolver matches). The dumper uses it to decide which strings
 * must be quoted. Examples: `yes`→bool, `0012`→int, `1e3`→str, `2026-01-01`→timestamp.
 */
export function yaml11Tag(text: string): Yaml11Tag {
  // Each resolver only fires on its own first characters, and no two of these patterns
  // match the same text, so trying them in PyYAML's order gives its answer.
  if (BOOL_RE.test(text)) return "bool";
  if (FLOAT_RE.test(text)) return "float";
  if (INT_RE.test(text)) return "int";
  if (MERGE_RE.test(text)) return "merge";
  if (NULL_RE.test(text)) return "null";
  if (TIMESTAMP_RE.test(text)) return "timestamp";
  if (VALUE_RE.test(text)) return "value";
  if (YAML_RE.test(text)) return "yaml";
  return "str";
}

/**
 * Parses one YAML document the way PyYAML `safe_load` types it, with extra refusals.
 *
 * Takes text or bytes (strict UTF-8, a leading BOM is skipped) and a label naming the input
 * (kept on errors, not put in the message). Returns `null` for an empty document, plain
 * objects for mappings (keys in document order), arrays for sequences, and for scalars:
 * string, `number` (int; ints beyond ±2^53-1 are `bigint`), {@link PyFloat}, boolean, `null`
 * or {@link YamlTimestamp}. Quoted and block scalars are always strings.
 *
 * Throws {@link YamlParseError} for syntax errors and for: input over `maxBytes` (default
 * 1 MiB), invalid UTF-8, characters PyYAML's reader refuses, any anchor or alias (deliberate
 * hardening: the reference tolerates an unused one, but aliases are how "billion laughs"
 * bombs work), merge keys `<<`, duplicate keys, non-string keys, tags other than
 * `!!str !!int !!float !!bool !!null !!timestamp !!map !!seq`, multiple documents, nesting
 * deeper than {@link MAX_YAML_DEPTH}.
 */
export function parseYaml(
  input: string | Uint8Array,
  label: string,
  options: ParseYamlOptions = {},
): unknown {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_YAML_BYTES;
  let text: string;
  if (typeof input === "string") {
    const size = utf8(input).length;
    if (size > maxBytes)
      throw new YamlParseError(`input is ${size} bytes, over the ${maxBytes}-byte limit`, label);
    text = input;
  } else {
    if (input.length > maxBytes) {
      throw new YamlParseError(`input is ${input.length} bytes, over the ${maxBytes}-byte limit`, label);
    }
    try {
      text = fromUtf8(input);
    } catch {
      throw new YamlParseError("input is not valid UTF-8", label);
    }
  }
  if (text.startsWith("\uFEFF")) text = text.slice(1);

  const fail = (reason: string, offset?: number): never => {
    if (offset === undefined) throw new YamlParseError(reason, label);
    const { line, column } = position(text, offset);
    throw new YamlParseError(`${reason} at line ${line}, column ${column}`, label, line, column);
  };

  // PyYAML's reader refuses control characters (other than tab/LF/CR), surrogates and
  // U+FFFE/U+FFFF. NEL, LS and PS are refused too (deliberately): PyYAML treats them as line
  // breaks and the `yaml` package does not, so the two would disagree on the structure.
  const bad = /[^\t\n\r\x20-\x7E\xA0-\u2027\u202A-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.exec(text);
  if (bad)
    fail(`unacceptable character #x${(bad[0].codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`, bad.index);

  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, {
      version: "1.1",
      schema: "failsafe",
      merge: false,
      uniqueKeys: false,
      prettyErrors: false,
      strict: true,
    });
  } catch (error) {
    // The package reports most problems in doc.errors; a stack overflow may escape.
    throw new YamlParseError(
      error instanceof RangeError ? "document is nested too deeply" : String(error),
      label,
    );
  }
  const first = doc.errors[0];
  if (first) {
    if (first.code === "MULTIPLE_DOCS") fail("expected a single document, found more", first.pos[0]);
    fail(first.message.split("\n")[0] ?? first.message, first.pos[0]);
  }
  return toValue(doc.contents, 0, fail);
}

type Fail = (reason: string, offset?: number) => never;

/** 1-based line and column (in UTF-16 units) of an offset, for error messages. */
function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

const TAG_PREFIX = "tag:yaml.org,2002:";

function toValue(node: Node | null, depth: number, fail: Fail): unknown {
  if (node === null) return null;
  const offset = node.range?.[0];
  if (isAlias(node)) fail("aliases are not allowed", offset);
  if ((node as { anchor?: string }).anchor) fail("anchors are not allowed", offset);
  if (isScalar(node)) return scalarValue(node, fail);
  if (depth >= MAX_YAML_DEPTH) fail(`nesting deeper than ${MAX_YAML_DEPTH} levels`, offset);
  if (isSeq(node)) {
    checkCollectionTag(node.tag, "seq", offset, fail);
    return node.items.map((item) => toValue(item as Node | null, depth + 1, fail));
  }
  if (isMap(node)) {
    checkCollectionTag(node.tag, "map", offset, fail);
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const keyOffset = keyNode?.range?.[0] ?? offset;
      if (isScalar(keyNode) && keyNode.type === "PLAIN" && !keyNode.tag && keyNode.value === "<<") {
        fail("merge keys (<<) are not allowed", keyOffset);
      }
      const key = toValue(keyNode, depth + 1, fail);
      // Keys must be strings: objects here and the re-serialized site.yaml (artifacts.md §4)
      // only have string keys, so `1:` would come back as `'1':` and change type for PyYAML.
      if (typeof key !== "string") fail(`mapping keys must be strings, found ${describe(key)}`, keyOffset);
      const name = key as string;
      // PyYAML keeps the last of duplicate keys silently; two readers could then disagree
      // on which one counts, so duplicates are refused.
      if (seen.has(name)) fail(`duplicate mapping key '${name}'`, keyOffset);
      seen.add(name);
      const value = toValue(pair.value as Node | null, depth + 1, fail);
      if (name === "__proto__") {
        Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
      } else {
        out[name] = value;
      }
    }
    return out;
  }
  return fail("unsupported YAML node", offset);
}

function checkCollectionTag(
  tag: string | undefined,
  kind: "map" | "seq",
  offset: number | undefined,
  fail: Fail,
) {
  if (tag !== undefined && tag !== TAG_PREFIX + kind) fail(`tag ${showTag(tag)} is not allowed`, offset);
}

/** `!!x` for the standard tags, as they are usually written. */
function showTag(tag: string): string {
  return tag.startsWith(TAG_PREFIX) ? `!!${tag.slice(TAG_PREFIX.length)}` : tag;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value instanceof PyFloat) return `float ${value.value}`;
  if (value instanceof YamlTimestamp) return `timestamp ${value.text}`;
  if (Array.isArray(value)) return "a sequence";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "number" || typeof value === "bigint") return `int ${value}`;
  return `${typeof value} ${String(value)}`;
}

function scalarValue(node: Scalar, fail: Fail): unknown {
  const text = String(node.value);
  const offset = node.range?.[0];
  const tag = node.tag;
  if (tag === undefined) {
    if (node.type !== Scalar.PLAIN) return text;
    return construct(yaml11Tag(text), text, offset, fail);
  }
  if (!tag.startsWith(TAG_PREFIX)) return fail(`tag ${showTag(tag)} is not allowed`, offset);
  const name = tag.slice(TAG_PREFIX.length);
  switch (name) {
    case "str":
      return text;
    case "float":
      // PyYAML's float() also takes a bare integer after an explicit !!float.
      if (/^[-+]?[0-9][0-9_]*$/.test(text)) return new PyFloat(Number(text.replaceAll("_", "")));
      return checked(name, FLOAT_RE, text, offset, fail);
    case "int":
      return checked(name, INT_RE, text, offset, fail);
    case "bool":
      return checked(name, BOOL_RE, text, offset, fail);
    case "null":
      return checked(name, NULL_RE, text, offset, fail);
    case "timestamp":
      return checked(name, TIMESTAMP_RE, text, offset, fail);
    default:
      return fail(`tag ${showTag(tag)} is not allowed`, offset);
  }
}

/** An explicitly tagged scalar must have the text its type's implicit pattern accepts. */
function checked(
  name: "int" | "float" | "bool" | "null" | "timestamp",
  pattern: RegExp,
  text: string,
  offset: number | undefined,
  fail: Fail,
): unknown {
  if (!pattern.test(text)) fail(`'${text}' is not a valid !!${name}`, offset);
  return construct(name, text, offset, fail);
}

function construct(tag: Yaml11Tag, text: string, offset: number | undefined, fail: Fail): unknown {
  switch (tag) {
    case "str":
      return text;
    case "null":
      return null;
    case "bool":
      return /^(?:yes|true|on)$/i.test(text);
    case "int":
      return constructInt(text, offset, fail);
    case "float":
      return constructFloat(text);
    case "timestamp":
      return constructTimestamp(text, offset, fail);
    default:
      // PyYAML's safe constructor has no constructor for these implicit tags either.
      return fail(`could not determine a constructor for the tag !!${tag} ('${text}')`, offset);
  }
}

/** PyYAML construct_yaml_int: `_` ignored, 0b/0x/leading-0 octal, base-60 with `:`. */
function constructInt(text: string, offset: number | undefined, fail: Fail): number | bigint {
  let digits = text.replaceAll("_", "");
  let negative = false;
  if (digits[0] === "-" || digits[0] === "+") {
    negative = digits[0] === "-";
    digits = digits.slice(1);
  }
  let value: bigint;
  if (digits.startsWith("0b") || digits.startsWith("0x")) {
    if (digits.length === 2) return fail(`'${text}' is not a valid int`, offset);
    value = BigInt(digits);
  } else if (digits.includes(":")) {
    value = 0n;
    for (const part of digits.split(":")) value = value * 60n + BigInt(part);
  } else if (digits.length > 1 && digits[0] === "0") {
    value = BigInt(`0o${digits.slice(1)}`);
  } else {
    value = BigInt(digits);
  }
  if (negative) value = -value;
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return value > max || value < -max ? value : Number(value);
}

/** PyYAML construct_yaml_float: `_` ignored, `.inf`/`.nan`, base-60 with `:`. */
function constructFloat(text: string): PyFloat {
  let body = text.replaceAll("_", "").toLowerCase();
  let sign = 1;
  if (body[0] === "-" || body[0] === "+") {
    if (body[0] === "-") sign = -1;
    body = body.slice(1);
  }
  if (body === ".inf") return new PyFloat(sign * Number.POSITIVE_INFINITY);
  if (body === ".nan") return new PyFloat(Number.NaN);
  if (body.includes(":")) {
    let value = 0;
    for (const part of body.split(":")) value = value * 60 + Number(part);
    return new PyFloat(sign * value);
  }
  return new PyFloat(sign * Number(body));
}

/** Range checks Python's date/datetime/timezone constructors would make (PyYAML raises). */
function constructTimestamp(text: string, offset: number | undefined, fail: Fail): YamlTimestamp {
  const m = TIMESTAMP_PARTS_RE.exec(text);
  if (!m) return fail(`'${text}' is not a valid timestamp`, offset);
  const [, year, month, day, hour, minute, second, , tz, , tzHour, tzMinute] = m;
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const lastDay = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1] ?? 0;
  let ok = y >= 1 && d >= 1 && d <= lastDay;
  if (hour !== undefined) ok &&= Number(hour) <= 23 && Number(minute) <= 59 && Number(second) <= 59;
  // Python's timezone() needs an offset strictly inside ±24 h.
  if (tz !== undefined && tz !== "Z") ok &&= Number(tzHour) * 60 + Number(tzMinute ?? 0) < 24 * 60;
  if (!ok) fail(`'${text}' is not a valid date or time`, offset);
  return new YamlTimestamp(text);
}
