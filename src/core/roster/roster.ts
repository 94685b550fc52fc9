import { FlareError } from "../errors/flare-error.ts";
import { isMapping } from "../inputs/structured.ts";
import { normalizeRequestCode, sameRequestCode } from "../request/request-code-text.ts";

/**
 * The expected-participants roster (docs/security.md "Roster"): a YAML file of its own, beside
 * the profile, so that `project_profile.yaml` stays exactly what NVFlare reads. It lists whom
 * the Project Admin expects, with NVFlare's participant vocabulary (`type` server, client or
 * admin; `role` for an admin) and optionally each one's request code:
 *
 * ```yaml
 * project: hospital_federation        # optional
 * participants:
 *   - {name: hospital-a, type: client, org: hospital_alpha, request_code: XYD6-J6XT-EBM1-18WQ}
 *   - {name: alice@hospital-alpha.org, type: admin, org: hospital_alpha, role: lead}
 * ```
 */

const TYPES = ["server", "client", "admin"] as const;
const ROLES = ["org_admin", "lead", "member"] as const;
const ENTRY_KEYS = new Set(["name", "type", "org", "role", "request_code"]);
const TOP_KEYS = new Set(["project", "participants"]);

/** One expected participant. */
export interface RosterEntry {
  name: string;
  type: (typeof TYPES)[number];
  org: string;
  /** An admin's role; null for a server or client. */
  role: string | null;
  /** The code the participant read out, normalized; absent when not known yet. */
  requestCode?: string;
}

/** A parsed roster: the project (when given) and the participants, in file order. */
export interface Roster {
  /** The file as the user named it, for messages. */
  path: string;
  project: string | undefined;
  entries: RosterEntry[];
}

/** What a request says about its participant, as approval verified it. */
export interface RequestIdentity {
  project: string;
  name: string;
  org: string;
  /** `server`, `client`, `org_admin`, `lead` or `member`. */
  certType: string;
  requestCode: string;
}

function invalid(path: string, field: string, problem: string): FlareError {
  return new FlareError("ROSTER_INVALID", {
    message: `Invalid roster ${path}: ${field} ${problem}.`,
  });
}

function text(value: unknown, path: string, field: string): string {
  if (typeof value !== "string" || value.trim() === "")
    throw invalid(path, field, "must be a non-empty string");
  if (value !== value.trim()) throw invalid(path, field, "must not start or end with whitespace");
  return value;
}

/**
 * Parses a roster document (the YAML already read as a mapping). Every problem is
 * `ROSTER_INVALID` naming the field (`participants[2].role`): unknown keys (a typo must not
 * silently drop a check), a missing or empty field, a type or role NVFlare does not know, a
 * role on a non-admin, a request code that is not 16 base32 characters, a name listed twice.
 */
export function parseRoster(doc: Record<string, unknown>, path: string): Roster {
  for (const key of Object.keys(doc))
    if (!TOP_KEYS.has(key)) throw invalid(path, key, "is not a roster field (project, participants)");
  const project = doc.project === undefined ? undefined : text(doc.project, path, "project");
  const list = doc.participants;
  if (!Array.isArray(list) || list.length === 0)
    throw invalid(path, "participants", "must be a non-empty list");
  const seen = new Set<string>();
  const entries = list.map((item, i): RosterEntry => {
    const at = `participants[${i}]`;
    if (!isMapping(item)) throw invalid(path, at, "must be a mapping (name, type, org, role, request_code)");
    for (const key of Object.keys(item))
      if (!ENTRY_KEYS.has(key))
        throw invalid(path, `${at}.${key}`, "is not a roster field (name, type, org, role, request_code)");
    const name = text(item.name, path, `${at}.name`);
    if (seen.has(name)) throw invalid(path, `${at}.name`, `lists '${name}' a second time`);
    seen.add(name);
    const type = text(item.type, path, `${at}.type`);
    if (!(TYPES as readonly string[]).includes(type))
      throw invalid(path, `${at}.type`, `must be one of ${TYPES.join(", ")}, not '${type}'`);
    const org = text(item.org, path, `${at}.org`);
    let role: string | null = null;
    if (type === "admin") {
      role = text(item.role, path, `${at}.role`);
      if (!(ROLES as readonly string[]).includes(role))
        throw invalid(path, `${at}.role`, `must be one of ${ROLES.join(", ")}, not '${role}'`);
    } else if (item.role !== undefined && item.role !== null) {
      throw invalid(path, `${at}.role`, `is only for type admin, not ${type}`);
    }
    const entry: RosterEntry = { name, type: type as RosterEntry["type"], org, role };
    if (item.request_code !== undefined && item.request_code !== null) {
      const code = normalizeRequestCode(text(item.request_code, path, `${at}.request_code`));
      if (code === undefined)
        throw invalid(path, `${at}.request_code`, "must be 16 base32 characters (XXXX-XXXX-XXXX-XXXX)");
      entry.requestCode = code;
    }
    return entry;
  });
  return { path, project, entries };
}

/** The roster's view of a request's cert_type: NVFlare's participant `type` and `role`. */
export function typeAndRole(certType: string): { type: string; role: string | null } {
  if (certType === "server" || certType === "client") return { type: certType, role: null };
  return { type: "admin", role: certType };
}

/** The roster entry for `name`, if listed. */
export function rosterEntry(roster: Roster, name: string): RosterEntry | undefined {
  return roster.entries.find((entry) => entry.name === name);
}

/**
 * Checks one verified request against the roster: listed (`ROSTER_NOT_LISTED`), the same
 * project, type, role and org (`ROSTER_MISMATCH`, naming every field that differs), and, where
 * the roster has a code, the same request code (`REQUEST_CODE_MISMATCH`).
 */
export function checkAgainstRoster(roster: Roster, request: RequestIdentity): RosterEntry {
  const entry = rosterEntry(roster, request.name);
  if (!entry) {
    throw new FlareError("ROSTER_NOT_LISTED", {
      message: `'${request.name}' is not on the roster ${roster.path}: nothing was signed.`,
    });
  }
  const { type, role } = typeAndRole(request.certType);
  const differences: string[] = [];
  const compare = (field: string, asked: string | null, expected: string | null) => {
    if (asked !== expected)
      differences.push(`${field}: request '${asked ?? "(none)"}', roster '${expected ?? "(none)"}'`);
  };
  if (roster.project !== undefined) compare("project", request.project, roster.project);
  compare("type", type, entry.type);
  compare("role", role, entry.role);
  compare("org", request.org, entry.org);
  if (differences.length > 0) {
    throw new FlareError("ROSTER_MISMATCH", {
      message: `The request for '${request.name}' differs from the roster ${roster.path} (${differences.join("; ")}): nothing was signed.`,
    });
  }
  if (entry.requestCode !== undefined && !sameRequestCode(entry.requestCode, request.requestCode)) {
    throw new FlareError("REQUEST_CODE_MISMATCH", {
      message: `The request code of ${request.name}'s request zip is ${request.requestCode}, not ${entry.requestCode} as the roster ${roster.path} lists: nothing was signed.`,
    });
  }
  return entry;
}

/** The roster entries none of `received` names: who has not sent a request yet. */
export function missingFromRoster(roster: Roster, received: Iterable<string>): RosterEntry[] {
  const names = new Set(received);
  return roster.entries.filter((entry) => !names.has(entry.name));
}
