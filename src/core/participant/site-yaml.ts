/**
 * `site.yaml` documents: the local copy `cert request` keeps (artifacts.md §4), the sanitized
 * copy that travels in the request and signed zips (§5), and the identity such a file states
 * as `cert approve` (validation.md §4.3 rows 16–18) and `package` (§4.4 rows 13–14) read it.
 */
import { PyFloat } from "../data/py-float.ts";
import { FlareError, invalidArgs } from "../errors/flare-error.ts";
import { getOwn, isMapping, isUserCertType, pyTruthy } from "../names/name-rules.ts";
import { deriveParticipantIdentity } from "./parse-participant.ts";
import type { IdentityField, IdentityRecord, Mapping, ParticipantDefinition, SiteIdentity } from "./types.ts";

/** Which command reads a `site.yaml`: the codes and wording of its errors differ. */
export type SiteContext = "approve" | "package";

/** Identity fields in the order `cert approve` and `package` compare them. */
export const IDENTITY_FIELDS: readonly IdentityField[] = [
  "name",
  "org",
  "cert_type",
  "project",
  "kind",
  "cert_role",
];

// Defines an own property even for a key such as `__proto__` (plain assignment would not).
function setOwn(target: Mapping, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A deep copy of parsed YAML: mappings and lists are copied, scalars and wrappers shared. */
function clonePlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clonePlain);
  if (isMapping(value)) {
    const out: Mapping = {};
    for (const key of Object.keys(value)) setOwn(out, key, clonePlain(value[key]));
    return out;
  }
  return value;
}

/**
 * The local `site.yaml` object of a validated definition (artifacts.md §4): every top-level
 * key of the input in its order, `participants` replaced by a one-element list holding a copy
 * of `participants[0]` whose `role` (admins) is the normalized role. Values are deep copies.
 */
export function buildLocalSiteDocument(def: ParticipantDefinition): Mapping {
  const participant = clonePlain(def.participant.props) as Mapping;
  if (def.participant.role) setOwn(participant, "role", def.participant.role);
  const out: Mapping = {};
  for (const key of Object.keys(def.document)) {
    setOwn(out, key, key === "participants" ? [participant] : clonePlain(def.document[key]));
  }
  return out;
}

const SANITIZED_TOP_LEVEL_KEYS = ["builders", "packager"];
const SANITIZED_PARTICIPANT_KEYS = ["connection_security", "server", "fed_learn_port", "admin_port"];

/**
 * The sanitized copy of a project-shaped `site.yaml` (artifacts.md §5): a deep copy without
 * top-level `builders`/`packager` and without `connection_security`, `server`,
 * `fed_learn_port`, `admin_port` in `participants[0]`; order kept. A document without a
 * `participants` list (legacy flat form) is copied unchanged.
 */
export function sanitizeSiteDocument(doc: Mapping): Mapping {
  const copy = clonePlain(doc) as Mapping;
  const participants = getOwn(copy, "participants");
  if (!Array.isArray(participants)) return copy;
  for (const key of SANITIZED_TOP_LEVEL_KEYS) delete copy[key];
  const participant: unknown = participants[0];
  if (isMapping(participant)) for (const key of SANITIZED_PARTICIPANT_KEYS) delete participant[key];
  return copy;
}

function notIdentified(context: SiteContext): FlareError {
  if (context === "approve") return invalidArgs("site.yaml must identify exactly one participant");
  return new FlareError("INVALID_SIGNED_ZIP", {
    message: "site.yaml must identify exactly one participant.",
    hint: "Ask the Project Admin to regenerate the signed zip.",
  });
}

/**
 * The identity a parsed `site.yaml` states. A project-shaped file (`participants` is a list)
 * must hold exactly one mapping; `approve` then derives the identity with the `cert request`
 * rules and errors (rows 5–10: trimmed name, normalized role), `package` reads it leniently as
 * the reference does (raw `name`/`org`, role `org-admin`→`org_admin`, an unknown role gives
 * cert type `""`, a type other than client/server/admin is an error). A file without
 * `participants` is the legacy flat form: `project`, `name`, `org`, `type` (or `cert_type` when
 * `type` is falsy), `kind`, `cert_role`, taken as they are. Throws `site.yaml must identify
 * exactly one participant` (approve: `INVALID_ARGS`; package: `INVALID_SIGNED_ZIP`).
 */
export function readSiteIdentity(doc: unknown, context: SiteContext): SiteIdentity {
  if (!isMapping(doc)) throw notIdentified(context);
  const participants = getOwn(doc, "participants");
  if (!Array.isArray(participants)) {
    const type = getOwn(doc, "type");
    return {
      project: getOwn(doc, "project"),
      name: getOwn(doc, "name"),
      org: getOwn(doc, "org"),
      kind: getOwn(doc, "kind"),
      certType: pyTruthy(type) ? type : getOwn(doc, "cert_type"),
      certRole: getOwn(doc, "cert_role"),
      participant: null,
    };
  }
  const participant: unknown = participants[0];
  if (participants.length !== 1 || !isMapping(participant)) throw notIdentified(context);
  const project = getOwn(doc, "name");
  const org = getOwn(participant, "org");
  if (context === "approve") {
    const identity = deriveParticipantIdentity(project, participant);
    const certRole = identity.role ?? null;
    return {
      project,
      name: identity.name,
      org,
      kind: identity.kind,
      certType: identity.certType,
      certRole,
      participant,
    };
  }
  const name = getOwn(participant, "name");
  const type = getOwn(participant, "type");
  if (type === "client")
    return { project, name, org, kind: "site", certType: "client", certRole: null, participant };
  if (type === "server")
    return { project, name, org, kind: "server", certType: "server", certRole: null, participant };
  if (type !== "admin") throw notIdentified(context);
  const role = getOwn(participant, "role");
  const certType = role === "org-admin" ? "org_admin" : isUserCertType(role) ? role : "";
  return { project, name, org, kind: "user", certType, certRole: certType, participant };
}

const SITE_KEYS: Readonly<Record<IdentityField, keyof SiteIdentity>> = {
  name: "name",
  org: "org",
  cert_type: "certType",
  project: "project",
  kind: "kind",
  cert_role: "certRole",
};

// Python equality of parsed values; `None`, absent and "" count as the same (no value).
function sameValue(a: unknown, b: unknown): boolean {
  const left = comparable(a);
  const right = comparable(b);
  if (left === right) return true;
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, i) => sameValue(item, right[i]));
  }
  if (isMapping(left) && isMapping(right)) {
    const keys = Object.keys(left);
    return (
      keys.length === Object.keys(right).length &&
      keys.every((key) => Object.hasOwn(right, key) && sameValue(left[key], right[key]))
    );
  }
  if (typeof left === "object" && typeof right === "object" && left !== null && right !== null) {
    return left.constructor === right.constructor && String(left) === String(right);
  }
  return false;
}

function comparable(value: unknown): unknown {
  if (value === undefined || value === "") return null;
  if (value instanceof PyFloat) return value.value;
  if (typeof value === "boolean") return value ? 1 : 0;
  return value;
}

/**
 * The first of `fields` (default {@link IDENTITY_FIELDS}: name, org, cert_type, project,
 * kind, cert_role) whose value differs between `site` and `expected` (request or signed
 * metadata, snake-case keys), or `null` when all agree. `null`, absent and `""` are equal.
 */
export function compareSiteIdentity(
  site: SiteIdentity,
  expected: IdentityRecord,
  fields: readonly IdentityField[] = IDENTITY_FIELDS,
): IdentityField | null {
  for (const field of fields) {
    if (!sameValue(site[SITE_KEYS[field]], expected[field])) return field;
  }
  return null;
}

/**
 * `cert approve` row 17 / `package` row 13: throws unless `site` states the identity of
 * `expected`. Approve: `INVALID_ARGS` `site.yaml field '<f>' does not match request metadata`;
 * package: `INVALID_SIGNED_ZIP` `site.yaml field '<f>' does not match signed metadata.`.
 */
export function checkSiteIdentityMatches(
  site: SiteIdentity,
  expected: IdentityRecord,
  context: SiteContext,
): void {
  const field = compareSiteIdentity(site, expected);
  if (field === null) return;
  if (context === "approve") throw invalidArgs(`site.yaml field '${field}' does not match request metadata`);
  throw new FlareError("INVALID_SIGNED_ZIP", {
    message: `site.yaml field '${field}' does not match signed metadata.`,
    hint: "Ask the Project Admin to regenerate the signed zip.",
  });
}

/**
 * `cert approve` row 18 / `package` row 14: the participant of a zip's `site.yaml` must not
 * carry a `connection_security` override or `listening_host` (and, in package, no endpoint
 * fields `server`, `fed_learn_port`, `admin_port`). A flat `site.yaml` has nothing to check.
 */
export function checkSanitizedSiteParticipant(site: SiteIdentity, context: SiteContext): void {
  const participant = site.participant;
  if (!participant) return;
  const has = (key: string) => Object.hasOwn(participant, key);
  if (context === "approve") {
    if (has("connection_security")) {
      throw invalidArgs("approval site.yaml must not contain participant connection_security overrides");
    }
    if (has("listening_host")) {
      throw invalidArgs(
        "approval site.yaml must not contain listening_host; distributed provisioning does not support listener certificates yet",
      );
    }
    return;
  }
  const regenerate = "Ask the Project Admin to regenerate the signed zip.";
  if (has("connection_security")) {
    throw new FlareError("INVALID_SIGNED_ZIP", {
      message: "Signed zip site.yaml must not contain participant connection_security overrides.",
      hint: regenerate,
    });
  }
  const endpointFields = ["server", "fed_learn_port", "admin_port"].filter(has);
  if (endpointFields.length > 0) {
    throw new FlareError("INVALID_SIGNED_ZIP", {
      message: `Signed zip site.yaml must not contain endpoint field(s): ${endpointFields.join(", ")}.`,
      hint: "Use the endpoint information stored in signed.json.",
    });
  }
  if (has("listening_host")) {
    throw new FlareError("INVALID_SIGNED_ZIP", {
      message: "Signed zip site.yaml must not contain listening_host.",
      hint: "Distributed provisioning does not support listener certificates yet; use centralized provisioning.",
    });
  }
}
