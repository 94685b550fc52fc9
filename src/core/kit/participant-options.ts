import { PyFloat, pythonFloatRepr } from "../data/py-float.ts";
import { FlareError } from "../errors/flare-error.ts";

/** The local participant properties that change kit content (startup-kits.md §4, §8 last paragraph). */
export interface ParticipantOptions {
  /** `use_aio: true` maps grpc→agrpc, tcp→atcp in fed_server/fed_client.json. Default false. */
  useAio: boolean;
  /** `auth_identity`, or `null` when absent. */
  authIdentity: string | null;
  /** `connect_to` of a client or admin: host/port overrides, each `null` when not given. */
  connectTo: { host: string | null; port: number | null };
  /** Server only: its local `connection_security` override, lower-cased; `null` when absent. */
  connectionSecurity: string | null;
  /** Client only: `capacity.num_of_gpus` as JSON number text ("0" default). */
  numOfGpus: string;
  /** Client only: `capacity.mem_per_gpu_in_GiB` as JSON number text ("0" default). */
  memPerGpuInGiB: string;
  /** Client only: `allow_log_streaming`; default true. */
  allowLogStreaming: boolean;
}

const CONNECTION_SECURITY_VALUES = ["clear", "tls", "mtls"];

// validation.md §1 "any host name"; unlike Python's `re.match(...$)` no trailing newline passes.
const HOST_NAME =
  /^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$/;

/**
 * Reads and checks the kit-relevant properties of `participants[0]` of the local site.yaml.
 * `serverHost` is the signed server host (a `connect_to.name` other than it would need a relay).
 * `null` values count as absent, except for `allow_log_streaming`, which must be a boolean.
 *
 * @throws FlareError `LOCAL_SITE_INVALID` for a value the runtime could not use, and
 *   `LOCAL_SITE_UNSUPPORTED_FEATURE` for `connect_to` naming a relay.
 */
export function readParticipantOptions(
  participant: Record<string, unknown>,
  kind: "server" | "client" | "admin",
  serverHost: string,
): ParticipantOptions {
  const options: ParticipantOptions = {
    useAio: false,
    authIdentity: null,
    connectTo: { host: null, port: null },
    connectionSecurity: null,
    numOfGpus: "0",
    memPerGpuInGiB: "0",
    allowLogStreaming: true,
  };

  const useAio = participant.use_aio ?? false;
  if (typeof useAio !== "boolean") throw invalidSite("use_aio must be a boolean");
  options.useAio = useAio;

  const authIdentity = participant.auth_identity ?? null;
  if (authIdentity !== null && (typeof authIdentity !== "string" || authIdentity === "")) {
    // The reference would render a non-string verbatim or an empty one as `{"<name>": ""}`.
    throw invalidSite("auth_identity must be a non-empty string");
  }
  options.authIdentity = authIdentity;

  if (kind === "server") {
    options.connectionSecurity = readConnectionSecurity(participant.connection_security);
  } else {
    // startup-kits.md §2: client and admin kits never use a local connection_security; §4:
    // connect_to only redirects clients and admins.
    options.connectTo = readConnectTo(participant.connect_to, serverHost);
  }

  if (kind === "client") {
    const capacity = participant.capacity ?? null;
    if (capacity !== null) {
      if (!isMapping(capacity)) throw invalidSite("capacity must be a mapping");
      options.numOfGpus = capacityNumber(capacity, "num_of_gpus");
      options.memPerGpuInGiB = capacityNumber(capacity, "mem_per_gpu_in_GiB");
    }
    const streaming = participant.allow_log_streaming;
    if (streaming !== undefined) {
      if (typeof streaming !== "boolean") throw invalidSite("allow_log_streaming must be a boolean");
      // Deliberate deviation (startup-kits.md §6): the reference ignores an explicit `false`
      // (falsy values fall back to the default true), silently streaming a site's logs that
      // its owner opted out of; we honour it.
      options.allowLogStreaming = streaming;
    }
  }
  return options;
}

function readConnectionSecurity(value: unknown): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value !== "string") throw invalidSite("connection_security must be a string");
  // startup-kits.md §4: the server's override is lower-cased (not trimmed, as in the reference).
  const lowered = value.toLowerCase();
  if (!CONNECTION_SECURITY_VALUES.includes(lowered)) {
    throw invalidSite(
      `bad value for connection_security '${value}': must be one of ${CONNECTION_SECURITY_VALUES.join(", ")}`,
    );
  }
  return lowered;
}

function readConnectTo(value: unknown, serverHost: string): ParticipantOptions["connectTo"] {
  if (value === undefined || value === null || value === "") return { host: null, port: null };
  // The reference also accepts the old string form, which is just a host.
  if (typeof value !== "string" && !isMapping(value)) {
    throw invalidSite("connect_to must be a mapping with host and/or port");
  }
  const spec: Record<string, unknown> = typeof value === "string" ? { host: value } : value;
  const name = spec.name ?? null;
  if (name !== null && name !== "" && name !== serverHost) {
    throw new FlareError("LOCAL_SITE_UNSUPPORTED_FEATURE", {
      detail: `connect_to.name '${String(name)}' is not the server '${serverHost}'; relays are not supported by distributed provisioning`,
    });
  }
  let host: string | null = null;
  const rawHost = spec.host ?? null;
  if (rawHost !== null && rawHost !== "") {
    if (typeof rawHost !== "string" || !HOST_NAME.test(rawHost)) {
      throw invalidSite(`bad value for connect_to.host '${String(rawHost)}': not a valid host name`);
    }
    host = rawHost;
  }
  // A connect_to without a host keeps the signed server host: the reference would write the
  // text "None" as the target host instead.
  let port: number | null = null;
  const rawPort = spec.port ?? null;
  if (rawPort !== null) {
    if (typeof rawPort !== "number" || !Number.isInteger(rawPort) || rawPort < 0 || rawPort > 65535) {
      throw invalidSite(
        `bad value for connect_to.port '${String(rawPort)}': must be an integer from 1 to 65535`,
      );
    }
    // Port 0 means "not set" in the reference (`if ct.port:`).
    if (rawPort !== 0) port = rawPort;
  }
  return { host, port };
}

/** `capacity.<key>` as the JSON number text the reference writes (`str()` of the YAML value). */
function capacityNumber(capacity: Record<string, unknown>, key: string): string {
  const value = capacity[key];
  if (value === undefined) return "0";
  if (value instanceof PyFloat && Number.isFinite(value.value) && value.value >= 0) {
    return pythonFloatRepr(value.value);
  }
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return String(value);
  // Anything else (null, booleans, strings) would be pasted into resources.json as invalid JSON.
  throw invalidSite(`capacity.${key} must be a non-negative number`);
}

function invalidSite(detail: string): FlareError {
  return new FlareError("LOCAL_SITE_INVALID", { message: `Invalid local participant definition: ${detail}` });
}

function isMapping(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
