/**
 * Shared identity types of distributed provisioning: participant definitions
 * (artifacts.md §2), the identity a `site.yaml` states (§4, §5) and the value sets of
 * validation.md §1.
 */

/** `participants[0].type` values that distributed provisioning accepts (validation.md §1). */
export type ParticipantType = "client" | "server" | "admin";

/** Normalized admin roles; `org-admin` is read as `org_admin` (validation.md §1 "User role"). */
export type UserRole = "org_admin" | "lead" | "member";

/** Certificate types embedded in the subject (`unstructuredName`, certificates.md §2). */
export type CertType = "client" | "server" | UserRole;

/** Request kinds of `request.json` / `signed.json`: `site`↔client, `server`↔server, `user`↔roles. */
export type Kind = "site" | "server" | "user";

/** Communication schemes a project profile may name (normalized: trimmed, lower case). */
export type Scheme = "grpc" | "tcp" | "http";

/** Connection security values (normalized: trimmed, lower case). */
export type ConnectionSecurity = "clear" | "tls" | "mtls";

/** The six identity fields compared between a `site.yaml` and request/signed metadata. */
export type IdentityField = "name" | "org" | "cert_type" | "project" | "kind" | "cert_role";

/** A plain YAML/JSON mapping as the parsers return it. */
export type Mapping = Record<string, unknown>;

/** The one participant of a validated definition file (validation.md §4.2 rows 5–13). */
export interface Participant {
  /** Participant name, trimmed (Python `str.strip`), as it goes into the CSR and `request.json`. */
  name: string;
  type: ParticipantType;
  org: string;
  /** Normalized role; present for `admin` participants only. */
  role?: UserRole;
  /** `client`, `server`, or the normalized role for admins. */
  certType: CertType;
  /** `site` (client), `server`, `user` (admin). */
  kind: Kind;
  /** `participants[0]` exactly as given (not normalized, not copied). */
  props: Mapping;
}

/** A validated `cert request -p` file (artifacts.md §2). */
export interface ParticipantDefinition {
  /** The top-level `name` (project name), unchanged. */
  project: string;
  participant: Participant;
  /** The whole mapping as given (key order preserved; never mutated). */
  document: Mapping;
}

/**
 * The identity a `site.yaml` states (validation.md §4.3 row 16, §4.4 row 13). Values are
 * whatever the file holds (approve validates a project-shaped file through the request rules
 * first; the legacy flat form and `package` read values as they are), hence `unknown`.
 */
export interface SiteIdentity {
  project: unknown;
  name: unknown;
  org: unknown;
  kind: unknown;
  certType: unknown;
  certRole: unknown;
  /** `participants[0]` as given for a project-shaped file; `null` for the legacy flat form. */
  participant: Mapping | null;
}

/** Request or signed metadata as read from JSON: the identity keys in snake case. */
export type IdentityRecord = Partial<Record<IdentityField, unknown>>;
