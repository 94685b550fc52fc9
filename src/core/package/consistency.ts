import { normalizeConnectionSecurity } from "../names/name-rules.ts";

/**
 * What happens when the server runs connection security `serverMode` while clients and admins
 * run `othersMode` (both lower-case `clear`, `tls` or `mtls`); empty when they are equal.
 * One sentence, for warnings and `cert inspect`.
 */
export function securityMismatchConsequence(serverMode: string, othersMode: string): string {
  if (serverMode === othersMode) return "";
  if (serverMode === "mtls" && othersMode === "tls") {
    return "a server on mtls requires client certificates and refuses tls clients and admins, which then never register or log in";
  }
  if (serverMode === "tls" && othersMode === "mtls") {
    return "a server on tls never asks for client certificates, so the mutual TLS the project requires is not enforced";
  }
  return `one side speaks plain TCP (clear) and the other TLS, so clients and admins on ${othersMode} cannot connect to a server on ${serverMode} and never register`;
}

/** What {@link serverSecurityWarning} compares. */
export interface SecurityConsistencyInput {
  /** The certificate type being packaged; only `server` kits can override. */
  certType: string;
  /** `participants[0].connection_security` of the local site.yaml, as written (any type). */
  localOverride: unknown;
  /** `signed.json` `default_connection_security`, the approved project default. */
  projectDefault: string;
}

/**
 * The `Warning: ...` line `package` prints when a server's local `connection_security` override
 * differs from the approved project default (startup-kits.md §4: clients and admins always get
 * the project default), naming the consequence; undefined when there is nothing to warn about
 * (not a server, no override, same mode, or a value the kit builder rejects anyway).
 */
export function serverSecurityWarning(input: SecurityConsistencyInput): string | undefined {
  if (input.certType !== "server") return undefined;
  const override = normalizeConnectionSecurity(input.localOverride);
  const projectDefault = normalizeConnectionSecurity(input.projectDefault);
  if (!override || !projectDefault || override === projectDefault) return undefined;
  return (
    `Warning: the server's local connection_security '${override}' differs from the approved project default ` +
    `'${projectDefault}'. Clients and admins are packaged with the project default '${projectDefault}': ` +
    `${securityMismatchConsequence(override, projectDefault)}. Remove connection_security from the server's ` +
    "participant definition, or ask the Project Admin to change connection_security in project_profile.yaml."
  );
}
