/**
 * `project_profile.yaml` (artifacts.md §1): `cert init` reads only its name (validation.md
 * §4.1 rows 4–6); `cert approve` validates all of it (§4.3 rows 26–28).
 */
import { FlareError, invalidArgs } from "../errors/flare-error.ts";
import {
  checkPort,
  checkProjectName,
  getOwn,
  isMapping,
  isValidHostName,
  nameRegexReport,
  normalizeConnectionSecurity,
  normalizeScheme,
  pyRepr,
  pyStrip,
  pyTruthy,
} from "../names/name-rules.ts";
import type { ConnectionSecurity, Scheme } from "../participant/types.ts";

/** A validated, normalized project profile. */
export interface ProjectProfile {
  /** Project name, exactly as written (validated, not normalized). */
  name: string;
  /** Trimmed, lower-cased. */
  scheme: Scheme;
  /** Trimmed, lower-cased; becomes `default_connection_security` in `signed.json`. */
  connectionSecurity: ConnectionSecurity;
  server: {
    /** Trimmed host name. */
    host: string;
    fedLearnPort: number;
    /** `fed_learn_port` when `admin_port` is absent or null. */
    adminPort: number;
  };
}

/**
 * `cert init` (validation.md §4.1 rows 4–6): `value` is the parsed profile at `path`. It must be
 * a mapping (`yaml must be a mapping: <path>`), `name` must be truthy (`project profile missing
 * required field: name`, both `INVALID_ARGS`) and pass the project-name rule
 * (`INVALID_PROJECT_NAME`). Nothing else is read. Returns the name.
 */
export function readProfileName(value: unknown, path: string): string {
  if (!isMapping(value)) throw invalidArgs(`yaml must be a mapping: ${path}`);
  const name = getOwn(value, "name");
  if (!pyTruthy(name)) throw invalidArgs("project profile missing required field: name");
  return checkProjectName(name, "Project profile name");
}

/**
 * `cert approve` (validation.md §4.3 rows 26–28, after the file was found and parsed): `value`
 * is the parsed profile at `path`. Checks, in the reference's order: mapping; `name`, `scheme`,
 * `connection_security`, `server` truthy; the project-name rule; equality with
 * `requestProject` when given (`PROJECT_PROFILE_MISMATCH`); scheme; connection security; the
 * server mapping, host and ports. Returns the normalized profile (`adminPort` defaults to
 * `fedLearnPort` when absent or null). Throws `FlareError`.
 */
export function parseProjectProfile(value: unknown, path: string, requestProject?: string): ProjectProfile {
  if (!isMapping(value)) throw invalidArgs(`yaml must be a mapping: ${path}`);
  // Row 26.
  const missing = ["name", "scheme", "connection_security", "server"].filter(
    (key) => !pyTruthy(getOwn(value, key)),
  );
  if (missing.length > 0)
    throw invalidArgs(`project profile missing required field(s): ${missing.join(", ")}`);
  // Row 27.
  const name = checkProjectName(getOwn(value, "name"), "Project profile name");
  if (requestProject && name !== requestProject) {
    throw new FlareError("PROJECT_PROFILE_MISMATCH", {
      message: `Request project ${pyRepr(requestProject)} does not match project profile ${pyRepr(name)}.`,
    });
  }
  // Row 28.
  const scheme = normalizeScheme(getOwn(value, "scheme"));
  if (!scheme) throw invalidArgs("project profile scheme must be one of: grpc, tcp, http");
  const connectionSecurity = normalizeConnectionSecurity(getOwn(value, "connection_security"));
  if (!connectionSecurity)
    throw invalidArgs("project profile connection_security must be one of: clear, tls, mtls");
  const server = getOwn(value, "server");
  if (!isMapping(server))
    throw invalidArgs("project profile server must be a mapping with host and fed_learn_port");
  const rawHost = getOwn(server, "host");
  if (typeof rawHost !== "string" || !pyStrip(rawHost)) {
    throw invalidArgs("project profile server.host must be a non-empty string");
  }
  const host = pyStrip(rawHost);
  if (!isValidHostName(host)) {
    throw invalidArgs(`project profile server.host is invalid: ${nameRegexReport(host, "host_name")}`);
  }
  const fedLearnPort = checkPort(getOwn(server, "fed_learn_port"), "project profile server.fed_learn_port");
  const rawAdminPort = getOwn(server, "admin_port");
  const adminPort =
    rawAdminPort === null || rawAdminPort === undefined
      ? fedLearnPort
      : checkPort(rawAdminPort, "project profile server.admin_port");
  return { name, scheme, connectionSecurity, server: { host, fedLearnPort, adminPort } };
}
