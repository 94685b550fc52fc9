/**
 * Name and value rules of distributed provisioning (validation.md §1), as pure predicates
 * plus `checkX` functions that throw the reference's error code and message.
 *
 * Regexes are exact full matches. The reference uses Python `re.match` with `^…$`, where `$`
 * also matches before one trailing `\n`; only its full-match rules (safe cert name, project
 * name, request id) catch that. Here every rule rejects a trailing newline, so an org such as
 * `"hospital\n"` is refused where the reference lets it through (validation.md §1, last
 * paragraph) — a deliberate, safer deviation.
 *
 * Hardening beyond the reference (each marked where it is applied): Windows device names
 * (CON, PRN, AUX, NUL, COM1–COM9, LPT1–LPT9, any case, with or without an extension) are
 * refused as participant and project names; project names longer than 63 characters are
 * refused up front (the reference truncates them at package time, validation.md §1); and
 * server names longer than 64 characters are refused (the reference truncates the CN and
 * then fails at package time, certificates.md §5).
 */
import { PyFloat, pythonFloatRepr } from "../data/py-float.ts";
import { FlareError, invalidArgs } from "../errors/flare-error.ts";
import type {
  CertType,
  ConnectionSecurity,
  Kind,
  Mapping,
  ParticipantType,
  Scheme,
  UserRole,
} from "../participant/types.ts";
import { YamlTimestamp } from "../yaml/parse-yaml.ts";

// ---------------------------------------------------------------------------------------
// Python value semantics (the reference is Python; its messages print Python values)
// ---------------------------------------------------------------------------------------

/** True for a plain mapping as the YAML/JSON parsers return it (not an array or wrapper class). */
export function isMapping(value: unknown): value is Mapping {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `mapping.get(key)`: an own property only (never `constructor` & co. from the prototype). */
export function getOwn(mapping: Mapping, key: string): unknown {
  return Object.hasOwn(mapping, key) ? mapping[key] : undefined;
}

/** Python truthiness of a parsed value (`None`, `False`, `0`, `0.0`, `""`, `[]`, `{}` are false). */
export function pyTruthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string") return value.length > 0;
  if (value instanceof PyFloat) return value.value !== 0;
  if (Array.isArray(value) || value instanceof Uint8Array) return value.length > 0;
  if (isMapping(value)) return Object.keys(value).length > 0;
  return true;
}

// Python's str.isspace() set: what str.strip() removes without arguments.
const PY_SPACE =
  "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

/** Python `str.strip()`: removes Python whitespace (which differs from JavaScript `trim`). */
export function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && PY_SPACE.includes(text[start]!)) start++;
  while (end > start && PY_SPACE.includes(text[end - 1]!)) end--;
  return text.slice(start, end);
}

/** Number of code points, as Python's `len()` counts a string. */
export function pyLen(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python `repr()` of a string: single quotes unless it contains `'` but no `"`, escapes as Python. */
function pyStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === "\\" || ch === quote) out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch !== " " && NOT_PRINTABLE.test(ch)) {
      if (code < 0x100) out += `\\x${code.toString(16).padStart(2, "0")}`;
      else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, "0")}`;
      else out += `\\U${code.toString(16).padStart(8, "0")}`;
    } else out += ch;
  }
  return out + quote;
}

/** Python `repr()` of a parsed value (strings quoted; containers as Python prints them). */
export function pyRepr(value: unknown): string {
  if (typeof value === "string") return pyStringRepr(value);
  if (value instanceof YamlTimestamp) return pyTimestamp(value.text).repr;
  return pyStr(value);
}

/**
 * Python `str()` of a parsed value, as f-strings and `str(name)` render it in the reference's
 * messages: `None`, `True`, `8002`, `1.5`, `['a', 'b']`, `{'host': 'x'}`, `2026-01-01` (YAML
 * timestamps as Python prints the date/datetime PyYAML makes of them).
 */
export function pyStr(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") {
    return Number.isInteger(value) ? BigInt(value).toString() : pythonFloatRepr(value);
  }
  if (typeof value === "bigint") return value.toString();
  if (value instanceof PyFloat) return pythonFloatRepr(value.value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (value instanceof Uint8Array) return pyBytesRepr(value);
  if (value instanceof YamlTimestamp) return pyTimestamp(value.text).str;
  if (isMapping(value)) {
    return `{${Object.keys(value)
      .map((key) => `${pyStringRepr(key)}: ${pyRepr(value[key])}`)
      .join(", ")}}`;
  }
  return String(value);
}

/**
 * Python type name of a parsed value (`int`, `str`, `NoneType`, `datetime.date`, ...), as in
 * `<class 'int'>` and `expected string or bytes-like object, got 'int'`.
 */
export function pyTypeName(value: unknown): string {
  if (typeof value === "string") return "str";
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "bigint") return "int";
  if (value instanceof PyFloat) return "float";
  if (Array.isArray(value)) return "list";
  if (value instanceof Uint8Array) return "bytes";
  if (isMapping(value)) return "dict";
  if (value instanceof YamlTimestamp) return pyTimestamp(value.text).type;
  return typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value;
}

/** Python `repr()` of bytes: `b'...'` (or `b"..."`), printable ASCII kept, the rest `\xNN`. */
function pyBytesRepr(bytes: Uint8Array): string {
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
  let body = "";
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    if (ch === "\\" || ch === quote) body += `\\${ch}`;
    else if (ch === "\n") body += "\\n";
    else if (ch === "\r") body += "\\r";
    else if (ch === "\t") body += "\\t";
    else if (b < 0x20 || b >= 0x7f) body += `\\x${b.toString(16).padStart(2, "0")}`;
    else body += ch;
  }
  return `b${quote}${body}${quote}`;
}

// PyYAML's timestamp layout: a date, optionally a time, fraction and zone.
const TIMESTAMP_RE =
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$/;

/** A PyYAML timestamp as Python shows it: `str()`, `repr()` and type name. */
interface PyTimestamp {
  str: string;
  repr: string;
  type: "datetime.date" | "datetime.datetime";
}

/**
 * How Python prints the `date`/`datetime` PyYAML builds from a timestamp's text: `str` is
 * `2026-01-01` or `2001-12-14 21:59:43.100000-05:00` (fraction to 6 digits, shown when not
 * zero; `Z` as `+00:00`), `repr` is `datetime.date(2026, 1, 1)` or `datetime.datetime(...)`.
 */
function pyTimestamp(text: string): PyTimestamp {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) return { str: text, repr: text, type: "datetime.datetime" };
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const pad = (n: number) => String(n).padStart(2, "0");
  const date = `${m[1]}-${pad(month)}-${pad(day)}`;
  if (m[4] === undefined)
    return { str: date, repr: `datetime.date(${year}, ${month}, ${day})`, type: "datetime.date" };
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6])];
  const micro = Number((m[7] ?? "").slice(0, 6).padEnd(6, "0"));
  let str = `${date} ${pad(hour)}:${pad(minute)}:${pad(second)}`;
  if (micro !== 0) str += `.${String(micro).padStart(6, "0")}`;
  const args = [year, month, day, hour, minute];
  if (second !== 0 || micro !== 0) args.push(second);
  if (micro !== 0) args.push(micro);
  let repr = `datetime.datetime(${args.join(", ")}`;
  if (m[8] !== undefined) {
    const offset =
      m[8] === "Z" ? 0 : (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 3600 + Number(m[11] ?? 0) * 60);
    const abs = Math.abs(offset);
    str += `${offset < 0 ? "-" : "+"}${pad(Math.floor(abs / 3600))}:${pad(Math.floor(abs / 60) % 60)}`;
    if (offset === 0) repr += ", tzinfo=datetime.timezone.utc";
    else {
      const delta = offset < 0 ? `days=-1, seconds=${86400 + offset}` : `seconds=${offset}`;
      repr += `, tzinfo=datetime.timezone(datetime.timedelta(${delta}))`;
    }
  }
  return { str, repr: `${repr})`, type: "datetime.datetime" };
}

// ---------------------------------------------------------------------------------------
// Value sets and regexes (validation.md §1)
// ---------------------------------------------------------------------------------------

/** Participant types `cert request` accepts (`relay` and others are rejected). */
export const PARTICIPANT_TYPES: readonly ParticipantType[] = ["client", "server", "admin"];

/** The five certificate types, sorted as the reference lists them in messages. */
export const CERT_TYPES: readonly CertType[] = ["client", "lead", "member", "org_admin", "server"];

/** Certificate types of users (admins). */
export const USER_CERT_TYPES: readonly UserRole[] = ["org_admin", "lead", "member"];

/** Request kinds, sorted as in the reference's message. */
export const KINDS: readonly Kind[] = ["server", "site", "user"];

/** Accepted schemes (after trim + lower case). */
export const SCHEMES: readonly Scheme[] = ["grpc", "tcp", "http"];

/** Accepted connection security values (after trim + lower case). */
export const CONNECTION_SECURITIES: readonly ConnectionSecurity[] = ["clear", "tls", "mtls"];

// Role spellings (validation.md §1 "User role"): `org-admin` is an alias.
const ROLE_ALIASES: ReadonlyMap<string, UserRole> = new Map([
  ["org-admin", "org_admin"],
  ["org_admin", "org_admin"],
  ["lead", "lead"],
  ["member", "member"],
]);

/** Role spellings accepted in a participant file, sorted as in the reference's message. */
export const ROLE_SPELLINGS: readonly string[] = [...ROLE_ALIASES.keys()].sort();

/** The placeholder server name `package` reserves (validation.md §1 "Reserved"). */
export const RESERVED_PARTICIPANT_NAMES: readonly string[] = ["__nvflare_dummy_server__"];

/** Project names longer than this are refused (hardening; the reference truncates at package). */
export const MAX_PROJECT_NAME_LENGTH = 63;

/** Maximum participant name length (certificate CN limit); the reference exempts servers. */
export const MAX_CERT_NAME_LENGTH = 64;

/** Entity types whose name regex the reference reports (`name_check`). */
export type NameEntityType = "server" | "host_name" | "client" | "admin" | "org";

const HOST_NAME_SOURCE =
  "^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]*[A-Za-z0-9])$";

/** Each entity type's regex, as the reference prints it in its messages. */
export const NAME_PATTERNS: Readonly<Record<NameEntityType, string>> = {
  server: HOST_NAME_SOURCE,
  host_name: HOST_NAME_SOURCE,
  client: "^[A-Za-z0-9-_]+$",
  admin: "^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Z|a-z]{2,}$",
  org: "^[A-Za-z0-9_]+$",
};

// Without flags, JavaScript's `$` matches only at the very end: an exact full match.
const NAME_REGEXES: Readonly<Record<NameEntityType, RegExp>> = {
  server: new RegExp(NAME_PATTERNS.server),
  host_name: new RegExp(NAME_PATTERNS.host_name),
  client: new RegExp(NAME_PATTERNS.client),
  admin: new RegExp(NAME_PATTERNS.admin),
  org: new RegExp(NAME_PATTERNS.org),
};

const PROJECT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SAFE_CERT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;
const REQUEST_ID_RE =
  /^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;
const DEPLOY_VERSION_RE = /^[0-9]{2}$/;
// Windows device names, alone or before an extension (`nul.txt`, `Com1.example`).
const WINDOWS_DEVICE_RE = /^(?:con|prn|aux|nul|com[1-9]|lpt[1-9])(?:\..*)?$/is;

// ---------------------------------------------------------------------------------------
// Predicates
// ---------------------------------------------------------------------------------------

/** True when `name` is a string matching the entity type's regex exactly. */
export function matchesNamePattern(name: unknown, entityType: NameEntityType): boolean {
  return typeof name === "string" && NAME_REGEXES[entityType].test(name);
}

/** Host-name rule (dotted labels, inner hyphens, no underscore, no trailing dot; IPv4 passes). */
export function isValidHostName(value: unknown): value is string {
  return matchesNamePattern(value, "host_name");
}

/** Client-name regex `^[A-Za-z0-9-_]+$` (the 64 cap is the safe-cert-name rule's). */
export function isValidClientName(value: unknown): value is string {
  return matchesNamePattern(value, "client");
}

/** Admin (user) e-mail regex. */
export function isValidAdminEmail(value: unknown): value is string {
  return matchesNamePattern(value, "admin");
}

/** Org regex `^[A-Za-z0-9_]+$`. */
export function isValidOrgName(value: unknown): value is string {
  return matchesNamePattern(value, "org");
}

/** A `request_id`: 32 hex characters or a dashed 8-4-4-4-12 UUID, any case. */
export function isValidRequestId(value: unknown): value is string {
  return typeof value === "string" && REQUEST_ID_RE.test(value);
}

/** A deploy / provision version: exactly two ASCII digits. */
export function isValidDeployVersion(value: unknown): value is string {
  return typeof value === "string" && DEPLOY_VERSION_RE.test(value);
}

/** A port: a YAML/JSON integer (not a boolean, string or float) from 1 to 65535. */
export function isValidPort(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** True for a Windows device name, any case, with or without an extension (hardening). */
export function isWindowsDeviceName(name: string): boolean {
  return WINDOWS_DEVICE_RE.test(name);
}

/** True for a participant name `package` reserves. */
export function isReservedParticipantName(name: unknown): boolean {
  return typeof name === "string" && RESERVED_PARTICIPANT_NAMES.includes(name);
}

/** True for `client`, `server`, `admin`. */
export function isParticipantType(value: unknown): value is ParticipantType {
  return typeof value === "string" && (PARTICIPANT_TYPES as readonly string[]).includes(value);
}

/** True for one of the five certificate types. */
export function isCertType(value: unknown): value is CertType {
  return typeof value === "string" && (CERT_TYPES as readonly string[]).includes(value);
}

/** True for `org_admin`, `lead`, `member`. */
export function isUserCertType(value: unknown): value is UserRole {
  return typeof value === "string" && (USER_CERT_TYPES as readonly string[]).includes(value);
}

/** True for `site`, `server`, `user`. */
export function isKind(value: unknown): value is Kind {
  return typeof value === "string" && (KINDS as readonly string[]).includes(value);
}

/**
 * The normalized role of an admin participant: trims (Python whitespace) and maps
 * `org-admin`/`org_admin`/`lead`/`member`; `null` for anything else (incl. non-strings).
 */
export function normalizeUserRole(value: unknown): UserRole | null {
  if (typeof value !== "string") return null;
  return ROLE_ALIASES.get(pyStrip(value)) ?? null;
}

/** The kind a certificate type belongs to: client→site, server→server, roles→user. */
export function kindForCertType(certType: CertType): Kind {
  if (certType === "client") return "site";
  if (certType === "server") return "server";
  return "user";
}

/** The certificate type of a participant type (admins: their normalized role). */
export function certTypeForParticipant(type: ParticipantType, role?: UserRole): CertType {
  if (type === "client" || type === "server") return type;
  if (!role) throw new TypeError("an admin participant needs a role");
  return role;
}

/** The kind→cert type pairs of non-user kinds (`user` allows the three roles). */
export const CERT_TYPE_FOR_KIND: Readonly<Record<"site" | "server", CertType>> = {
  site: "client",
  server: "server",
};

/** Trim + lower-case a scheme; `null` unless it is `grpc`, `tcp` or `http`. */
export function normalizeScheme(value: unknown): Scheme | null {
  if (typeof value !== "string") return null;
  const normalized = pyStrip(value).toLowerCase();
  return (SCHEMES as readonly string[]).includes(normalized) ? (normalized as Scheme) : null;
}

/** Trim + lower-case a connection security value; `null` unless `clear`, `tls` or `mtls`. */
export function normalizeConnectionSecurity(value: unknown): ConnectionSecurity | null {
  if (typeof value !== "string") return null;
  const normalized = pyStrip(value).toLowerCase();
  return (CONNECTION_SECURITIES as readonly string[]).includes(normalized)
    ? (normalized as ConnectionSecurity)
    : null;
}

// ---------------------------------------------------------------------------------------
// Problems: why a name fails, without throwing (callers pick the error code)
// ---------------------------------------------------------------------------------------

/** Why a name fails a rule; `hardening` marks rules this implementation adds to the reference. */
export interface NameProblem {
  reason: string;
  hardening: boolean;
}

const DEVICE_NAME_LIST = "CON, PRN, AUX, NUL, COM1-COM9, LPT1-LPT9";

/**
 * Why `value` is not a valid project name, or `null`. Reference reasons first (string, not
 * blank, ≤ 64, no `/`, no leading `.`, `[A-Za-z0-9][A-Za-z0-9._-]*`), then the hardening
 * rules (≤ 63 characters, no Windows device name). `fieldLabel` starts the reason (`Project`).
 */
export function projectNameProblem(value: unknown, fieldLabel = "Project"): NameProblem | null {
  if (typeof value !== "string" || !pyStrip(value)) {
    return { reason: `${fieldLabel} must not be empty or whitespace only.`, hardening: false };
  }
  const length = pyLen(value);
  if (length > 64) return { reason: `${fieldLabel} must be 64 characters or fewer.`, hardening: false };
  if (value.includes("/") || value.startsWith(".")) {
    return { reason: `${fieldLabel} must not contain path separators or start with '.'.`, hardening: false };
  }
  if (!PROJECT_NAME_RE.test(value)) {
    return { reason: `${fieldLabel} must match [A-Za-z0-9][A-Za-z0-9._-]*.`, hardening: false };
  }
  // Hardening (validation.md §1 "Project name length caveat"): the reference accepts 64
  // characters and then silently packages under a 63-character name.
  if (length > MAX_PROJECT_NAME_LENGTH) {
    return {
      reason: `project name '${value}' is ${length} characters long; at most ${MAX_PROJECT_NAME_LENGTH} are allowed because startup kits would be written under the name truncated to ${MAX_PROJECT_NAME_LENGTH} characters.`,
      hardening: true,
    };
  }
  // Hardening: a device name cannot be a folder on Windows (the project name becomes one).
  if (isWindowsDeviceName(value)) {
    return {
      reason: `project name '${value}' is a reserved Windows device name (${DEVICE_NAME_LIST}), which cannot be a folder name on Windows.`,
      hardening: true,
    };
  }
  return null;
}

/** Options of {@link safeCertNameProblem} / {@link checkSafeCertName}. */
export interface SafeCertNameOptions {
  /** Start of the reference's reasons (default `Name`). */
  fieldLabel?: string;
  /**
   * Refuse server names longer than 64 characters (default `true`, hardening). `false` gives
   * the reference's rule, which exempts servers from the cap.
   */
  capServerNames?: boolean;
}

/**
 * Why `name` is not a safe certificate name for `certType`, or `null` (validation.md §1
 * "Safe cert name"): a string, not blank, ≤ 64 characters unless a server, no `/`, no leading
 * `.`, `[A-Za-z0-9][A-Za-z0-9._@-]*`; then the hardening rules (server ≤ 64 characters, no
 * Windows device name).
 */
export function safeCertNameProblem(
  name: unknown,
  certType?: unknown,
  options: SafeCertNameOptions = {},
): NameProblem | null {
  const label = options.fieldLabel ?? "Name";
  if (typeof name !== "string" || !pyStrip(name)) {
    return { reason: `${label} must not be empty or whitespace only.`, hardening: false };
  }
  const length = pyLen(name);
  if (certType !== "server" && length > MAX_CERT_NAME_LENGTH) {
    return { reason: `${label} must be ${MAX_CERT_NAME_LENGTH} characters or fewer.`, hardening: false };
  }
  if (name.includes("/") || name.startsWith(".")) {
    return { reason: `${label} must not contain path separators or start with '.'.`, hardening: false };
  }
  if (!SAFE_CERT_NAME_RE.test(name)) {
    return { reason: `${label} must match [A-Za-z0-9][A-Za-z0-9._@-]*.`, hardening: false };
  }
  // Hardening (certificates.md §5): the CN would be cut to 64 characters and `package`
  // would then refuse the kit (CN != name).
  if (certType === "server" && length > MAX_CERT_NAME_LENGTH && options.capServerNames !== false) {
    return {
      reason: `${label} must be ${MAX_CERT_NAME_LENGTH} characters or fewer; a longer server name would be truncated in the certificate CN and the signed zip could not be packaged.`,
      hardening: true,
    };
  }
  // Hardening: the name becomes folder and file names, which Windows cannot create.
  if (isWindowsDeviceName(name)) {
    return {
      reason: `${label} must not be a reserved Windows device name (${DEVICE_NAME_LIST}).`,
      hardening: true,
    };
  }
  return null;
}

/** The reference's regex report: `name=<n> is ill-formatted for entity_type=<t> based on regex_pattern=<p>`. */
export function nameRegexReport(name: unknown, entityType: NameEntityType): string {
  return `name=${pyStr(name)} is ill-formatted for entity_type=${entityType} based on regex_pattern=${NAME_PATTERNS[entityType]}`;
}

/** The `name_check` entity type for a certificate type's names: client, server or admin. */
export function nameEntityTypeFor(certType: CertType): "client" | "server" | "admin" {
  if (certType === "client" || certType === "server") return certType;
  return "admin";
}

// ---------------------------------------------------------------------------------------
// Checkers: throw the reference's code and message
// ---------------------------------------------------------------------------------------

/**
 * Throws `INVALID_PROJECT_NAME` (message `Invalid project name.`, catalogue hint) unless
 * `value` is a valid project name. The reference does not show the reason; a hardening
 * rule adds its reason as detail. Returns the name.
 */
export function checkProjectName(value: unknown, fieldLabel = "Project"): string {
  const problem = projectNameProblem(value, fieldLabel);
  if (problem) {
    throw new FlareError("INVALID_PROJECT_NAME", problem.hardening ? { detail: problem.reason } : {});
  }
  return value as string;
}

/**
 * Throws `INVALID_NAME` with message `Invalid name '<name>': <reason>` unless `name` is a
 * safe certificate name for `certType` (see {@link safeCertNameProblem}). Returns the name.
 */
export function checkSafeCertName(
  name: unknown,
  certType?: unknown,
  options: SafeCertNameOptions = {},
): string {
  const problem = safeCertNameProblem(name, certType, options);
  if (problem) {
    const message = `Invalid name '${pyStr(name)}': ${problem.reason}`;
    if (!problem.hardening) throw new FlareError("INVALID_NAME", { message });
    const hint = problem.reason.includes("device")
      ? "Choose a name that is not a Windows device name, with or without an extension."
      : `Use a server host name of at most ${MAX_CERT_NAME_LENGTH} characters (also as server.host in the project profile).`;
    throw new FlareError("INVALID_NAME", { message, hint });
  }
  return name as string;
}

/**
 * Org check of `cert request` row 7 / `cert approve` row 13: `INVALID_ARGS` with detail
 * `org must be a string` or the regex report. Returns the org.
 */
export function checkOrgName(org: unknown): string {
  if (typeof org !== "string") throw invalidArgs("org must be a string");
  if (!isValidOrgName(org)) throw invalidArgs(nameRegexReport(org, "org"));
  return org;
}

/**
 * `cert approve` row 13: `INVALID_ARGS` `invalid cert type '<t>'; valid types: client, lead,
 * member, org_admin, server` unless `value` is one of the five types.
 */
export function checkCertType(value: unknown): CertType {
  if (!isCertType(value)) {
    throw invalidArgs(`invalid cert type '${pyStr(value)}'; valid types: ${CERT_TYPES.join(", ")}`);
  }
  return value;
}

/**
 * The per-type name regex (`cert request` row 10, `cert approve` row 15): an unknown cert type,
 * a non-string name (`name must be a string for entity_type=<t>`) or the regex report, all
 * `INVALID_ARGS`.
 */
export function checkIdentityName(name: unknown, certType: unknown): string {
  const entityType = nameEntityTypeFor(checkCertType(certType));
  if (typeof name !== "string") throw invalidArgs(`name must be a string for entity_type=${entityType}`);
  if (!matchesNamePattern(name, entityType)) throw invalidArgs(nameRegexReport(name, entityType));
  return name;
}

/**
 * `cert approve` row 14: `kind` ∈ site/server/user and consistent with the cert type and,
 * for users, with a (truthy) `cert_role`. `INVALID_ARGS` with the reference's details.
 */
export function checkRequestKind(kind: unknown, certType: unknown, certRole?: unknown): Kind {
  if (!isKind(kind)) throw invalidArgs(`cert request kind must be one of: ${KINDS.join(", ")}`);
  if (kind === "site" || kind === "server") {
    const expected = CERT_TYPE_FOR_KIND[kind];
    if (certType !== expected) throw invalidArgs(`request kind '${kind}' requires cert type '${expected}'`);
    return kind;
  }
  if (!isUserCertType(certType)) {
    throw invalidArgs("request kind 'user' requires cert type one of: org_admin, lead, member");
  }
  // The reference maps cert_role through the role table (so `org-admin` is accepted).
  if (pyTruthy(certRole) && (typeof certRole !== "string" || ROLE_ALIASES.get(certRole) !== certType)) {
    throw invalidArgs("user cert_role does not match request cert_type");
  }
  return kind;
}

/** `cert approve` row 12: `INVALID_ARGS` `request_id must be a UUID hex string.` unless valid. */
export function checkRequestId(value: unknown): string {
  if (!isValidRequestId(value)) throw invalidArgs("request_id must be a UUID hex string.");
  return value;
}

/**
 * A port rule with the reference's detail `<label> must be an integer from 1 to 65535`
 * (`INVALID_ARGS`). Returns the port.
 */
export function checkPort(value: unknown, label: string): number {
  if (!isValidPort(value)) throw invalidArgs(`${label} must be an integer from 1 to 65535`);
  return value;
}

/**
 * Python `isinstance(value, int)` for the centralized validators, which accept booleans
 * (`connect_to.port: true` passes the reference).
 */
export function isPythonInt(value: unknown): boolean {
  return typeof value === "boolean" || (typeof value === "number" && Number.isInteger(value));
}
