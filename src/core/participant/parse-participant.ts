/**
 * The participant definition file of `cert request -p` (artifacts.md §2), checked in the
 * reference's order with its codes and messages (validation.md §4.2 rows 2–13').
 */
import { invalidArgs } from "../errors/flare-error.ts";
import {
  CONNECTION_SECURITIES,
  checkOrgName,
  checkPort,
  checkProjectName,
  checkSafeCertName,
  getOwn,
  isMapping,
  isPythonInt,
  kindForCertType,
  matchesNamePattern,
  nameEntityTypeFor,
  nameRegexReport,
  normalizeConnectionSecurity,
  normalizeUserRole,
  pyStr,
  pyStrip,
  pyTruthy,
  pyTypeName,
  ROLE_SPELLINGS,
  type SafeCertNameOptions,
} from "../names/name-rules.ts";
import type { CertType, Kind, Mapping, ParticipantDefinition, ParticipantType, UserRole } from "./types.ts";

/** The identity rows 5–10 derive from `participants[0]` (before the centralized checks). */
export interface DerivedIdentity {
  /** Trimmed name (`str(name).strip()`, so a non-string name is first rendered as Python would). */
  name: string;
  type: ParticipantType;
  org: string;
  role?: UserRole;
  certType: CertType;
  kind: Kind;
}

/**
 * `cert request` rows 5–10 on one participant, shared with `cert approve`'s reading of a
 * request `site.yaml` (validation.md §4.3 row 16): `participant` must be a mapping with
 * truthy `name`, `org`, `type` (INVALID_ARGS), `project` must pass the project rule
 * (INVALID_PROJECT_NAME), then org, type/role, the safe cert name (INVALID_NAME) and the
 * per-type name regex. Returns the derived identity; throws `FlareError`.
 */
export function deriveParticipantIdentity(
  project: unknown,
  participant: unknown,
  nameOptions: SafeCertNameOptions = {},
): DerivedIdentity {
  // Row 5.
  if (!isMapping(participant)) throw invalidArgs("participant definition participants[0] must be a mapping");
  const rawName = getOwn(participant, "name");
  const org = getOwn(participant, "org");
  const type = getOwn(participant, "type");
  if (!pyTruthy(rawName) || !pyTruthy(org) || !pyTruthy(type)) {
    throw invalidArgs("participant definition participants[0] must contain: name, org, type");
  }
  // Row 6.
  checkProjectName(project);
  // Row 7.
  checkOrgName(org);
  // Row 8.
  let role: UserRole | undefined;
  let certType: CertType;
  if (type === "client" || type === "server") {
    certType = type;
  } else if (type === "admin") {
    const normalized = normalizeUserRole(getOwn(participant, "role"));
    if (!normalized) throw invalidArgs(`admin participant role must be one of: ${ROLE_SPELLINGS.join(", ")}`);
    role = normalized;
    certType = normalized;
  } else {
    throw invalidArgs("participant type must be one of: client, server, admin");
  }
  // Row 9: the reference renders the value with str() and strips it before checking.
  const name = pyStrip(pyStr(rawName));
  checkSafeCertName(name, certType, nameOptions);
  // Row 10.
  const entityType = nameEntityTypeFor(certType);
  if (!matchesNamePattern(name, entityType)) throw invalidArgs(nameRegexReport(name, entityType));
  const identity: DerivedIdentity = {
    name,
    type,
    org: org as string,
    certType,
    kind: kindForCertType(certType),
  };
  if (role) identity.role = role;
  return identity;
}

/**
 * Reads a parsed participant definition (`cert request -p`, validation.md §4.2 rows 2–13'):
 * `value` is what the YAML reader returned for the file at `path` (the path only appears in
 * messages). Returns the project, the one participant (name trimmed, cert type and kind
 * derived, `props` = `participants[0]` as given) and the document itself. Throws `FlareError`
 * (`INVALID_ARGS`, `INVALID_PROJECT_NAME`, `INVALID_NAME`) at the first failing check.
 */
export function parseParticipantDefinition(
  value: unknown,
  path: string,
  nameOptions: SafeCertNameOptions = {},
): ParticipantDefinition {
  // Row 2 (parse errors are the reader's).
  if (!isMapping(value)) throw invalidArgs(`yaml must be a mapping: ${path}`);
  // Row 3.
  const project = getOwn(value, "name");
  const participants = getOwn(value, "participants");
  if (!pyTruthy(project) || !Array.isArray(participants)) {
    throw invalidArgs("participant definition must contain top-level name and participants");
  }
  // Row 4.
  if (participants.length !== 1) {
    throw invalidArgs("participant definition must contain exactly one participants[0] entry");
  }
  const props: unknown = participants[0];
  // Rows 5–10.
  const identity = deriveParticipantIdentity(project, props, nameOptions);
  const participant = props as Mapping;
  // Row 11 runs on a copy whose admin role is already normalized.
  const centralizedView = identity.role ? { ...participant, role: identity.role } : participant;
  const problem = centralizedParticipantProblem(centralizedView, identity.type);
  if (problem) throw invalidArgs(`participant definition is invalid: ${problem}`);
  // Row 12.
  if (Object.hasOwn(participant, "listening_host")) {
    throw invalidArgs(
      "listening_host is not supported by distributed provisioning yet; use centralized provisioning for third-party listener certificates",
    );
  }
  // Rows 13 / 13'.
  checkConnectionFields(participant, identity.kind);
  return {
    project: project as string,
    participant: { ...identity, props: participant },
    document: value,
  };
}

/** Row 13 (server) and 13' (client/admin with a `server:` block). */
function checkConnectionFields(participant: Mapping, kind: Kind): void {
  if (kind === "server") {
    for (const key of ["fed_learn_port", "admin_port"]) {
      const port = getOwn(participant, key);
      if (port !== null && port !== undefined) checkPort(port, `server ${key}`);
    }
    const security = getOwn(participant, "connection_security");
    if (security !== null && security !== undefined && !normalizeConnectionSecurity(security)) {
      throw invalidArgs(`server connection_security must be one of: ${CONNECTION_SECURITIES.join(", ")}`);
    }
    return;
  }
  const server = getOwn(participant, "server");
  if (server === null || server === undefined) return;
  if (!isMapping(server)) throw invalidArgs("server must be a mapping when provided");
  const host = getOwn(server, "host");
  if (typeof host !== "string" || !pyStrip(host)) throw invalidArgs("server.host must be a non-empty string");
  checkPort(getOwn(server, "fed_learn_port"), "server.fed_learn_port");
  checkPort(getOwn(server, "admin_port"), "server.admin_port");
}

// ---------------------------------------------------------------------------------------
// Row 11: the centralized participant validators (FLARE's project-file rules), reproduced
// for their verdicts and messages. Each returns the reason the reference prints after
// `participant definition is invalid: `.
// ---------------------------------------------------------------------------------------

/** A failed centralized check; its message is the text after `participant definition is invalid: `. */
class CentralizedCheckError extends Error {}

// `re.match(pattern, value)` on a non-string raises a TypeError with this text.
function typeErrorFor(value: unknown): CentralizedCheckError {
  if (value instanceof Uint8Array)
    return new CentralizedCheckError("cannot use a string pattern on a bytes-like object");
  return new CentralizedCheckError(`expected string or bytes-like object, got '${pyTypeName(value)}'`);
}

function badValue(key: string, value: unknown, scope: string, reason: string): CentralizedCheckError {
  return new CentralizedCheckError(`bad value for ${key} '${pyStr(value)}' in ${scope}: ${reason}`);
}

function checkHostName(scope: string, key: string, value: unknown): void {
  if (typeof value !== "string") throw typeErrorFor(value);
  if (!matchesNamePattern(value, "host_name"))
    throw badValue(key, value, scope, nameRegexReport(value, "host_name"));
}

// A string or a list of strings; other shapes are not checked by the reference.
function checkHostNames(scope: string, key: string, value: unknown): void {
  if (typeof value === "string") checkHostName(scope, key, value);
  else if (Array.isArray(value)) for (const item of value) checkHostName(scope, key, item);
}

function checkEndpointPort(scope: string, key: string, whole: unknown, port: unknown): void {
  if (port === null || port === undefined) return;
  if (!isPythonInt(port)) throw badValue(key, whole, scope, `port ${pyStr(port)} must be int`);
  if ((port as number) < 0) throw badValue(key, whole, scope, `invalid port ${pyStr(port)}`);
}

function invalidShape(scope: string, key: string, value: unknown): CentralizedCheckError {
  return badValue(key, value, scope, `invalid type <class '${pyTypeName(value)}'>; must be str or dict`);
}

function checkConnectTo(scope: string, key: string, value: unknown): void {
  let host: unknown;
  let port: unknown;
  if (typeof value === "string") host = value;
  else if (isMapping(value)) {
    host = getOwn(value, "host");
    port = getOwn(value, "port");
  } else throw invalidShape(scope, key, value);
  if (pyTruthy(host)) {
    if (typeof host !== "string") throw typeErrorFor(host);
    if (!matchesNamePattern(host, "host_name"))
      throw badValue(key, value, scope, nameRegexReport(host, "host_name"));
  }
  checkEndpointPort(scope, key, value, port);
}

function checkListeningHost(scope: string, key: string, value: unknown): void {
  let hostNames: unknown;
  let defaultHost: unknown;
  let port: unknown;
  if (typeof value === "string") defaultHost = value;
  else if (isMapping(value)) {
    hostNames = getOwn(value, "host_names");
    defaultHost = getOwn(value, "default_host");
    port = getOwn(value, "port");
  } else throw invalidShape(scope, key, value);
  if (pyTruthy(hostNames)) checkHostNames(scope, key, hostNames);
  if (pyTruthy(defaultHost)) checkHostName(scope, key, defaultHost);
  checkEndpointPort(scope, key, value, port);
}

function checkRole(scope: string, key: string, value: unknown): void {
  if (typeof value !== "string")
    throw badValue(key, value, scope, `must be str but got <class '${pyTypeName(value)}'>`);
  if (!value) throw new CentralizedCheckError(`empty value for ${key} '' in ${scope}`);
}

// The centralized rule lower-cases but does not trim (row 13 trims; this runs first).
function checkConnectionSecurity(scope: string, key: string, value: unknown): void {
  if (typeof value !== "string") {
    throw badValue(key, value, scope, `must be a str but got <class '${pyTypeName(value)}'>`);
  }
  if (!["clear", "mtls", "tls"].includes(value.toLowerCase())) {
    throw badValue(key, value, scope, "must be one of ['clear', 'mtls', 'tls']");
  }
}

const PROPERTY_VALIDATORS: ReadonlyMap<string, (scope: string, key: string, value: unknown) => void> =
  new Map([
    ["host_names", checkHostNames],
    ["connect_to", checkConnectTo],
    ["listening_host", checkListeningHost],
    ["default_host", checkHostName],
    ["role", checkRole],
    ["connection_security", checkConnectionSecurity],
  ]);

/**
 * The centralized participant validation of row 11 on `participant` (admin role already
 * normalized): every known property in key order, then the untrimmed name against its type's
 * regex. Returns the reason text, or `null` when the participant passes.
 */
export function centralizedParticipantProblem(participant: Mapping, type: ParticipantType): string | null {
  const rawName = getOwn(participant, "name");
  const scope = `${type}::${pyStr(rawName)}`;
  try {
    for (const key of Object.keys(participant)) {
      if (key === "name" || key === "type" || key === "org") continue;
      PROPERTY_VALIDATORS.get(key)?.(scope, key, participant[key]);
    }
    if (typeof rawName !== "string") throw typeErrorFor(rawName);
    if (!matchesNamePattern(rawName, type)) throw new CentralizedCheckError(nameRegexReport(rawName, type));
    return null;
  } catch (error) {
    if (error instanceof CentralizedCheckError) return error.message;
    throw error;
  }
}
