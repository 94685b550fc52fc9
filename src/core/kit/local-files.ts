import { CLASS_ALLOW_LIST } from "./data/class-allow-list.ts";
import {
  ADMIN_RESOURCES_JSON_DEFAULT,
  AUTHORIZATION_JSON_DEFAULT,
  CLIENT_RESOURCES_TEMPLATE,
  LOG_CONFIG_JSON_DEFAULT,
  PRIVACY_JSON_SAMPLE,
  SERVER_RESOURCES_TEMPLATE,
} from "./data/local-templates.ts";

/** What varies in a client's `local/resources.json.default` (startup-kits.md §6). */
export interface ClientResourceParams {
  /** JSON number text for `num_of_gpus` (`capacity.num_of_gpus`, default "0"). */
  numOfGpus: string;
  /** JSON number text for `mem_per_gpu_in_GiB` (default "0"). */
  memPerGpuInGiB: string;
  allowLogStreaming: boolean;
}

/**
 * The `local/` files of a kit as path → text (startup-kits.md §6): four files for server and
 * client kits, only `resources.json.default` for admin kits. `client` is required for the
 * client kind and ignored otherwise.
 */
export function renderLocalFiles(
  kind: "server" | "client" | "admin",
  client?: ClientResourceParams,
): Map<string, string> {
  const files = new Map<string, string>();
  if (kind === "admin") {
    files.set("local/resources.json.default", ADMIN_RESOURCES_JSON_DEFAULT);
    return files;
  }
  files.set("local/authorization.json.default", AUTHORIZATION_JSON_DEFAULT);
  files.set("local/log_config.json.default", LOG_CONFIG_JSON_DEFAULT);
  files.set("local/privacy.json.sample", PRIVACY_JSON_SAMPLE);
  const resources =
    kind === "server"
      ? fill(SERVER_RESOURCES_TEMPLATE, {})
      : fill(CLIENT_RESOURCES_TEMPLATE, {
          allow_log_streaming: String(client?.allowLogStreaming ?? true),
          num_of_gpus: client?.numOfGpus ?? "0",
          mem_per_gpu_in_GiB: client?.memPerGpuInGiB ?? "0",
        });
  files.set("local/resources.json.default", resources);
  return files;
}

/**
 * The allow list as the reference splices it in: `json.dumps(list, indent=2)` pasted at
 * column 0 whatever the surrounding indentation (startup-kits.md §6 rendering quirks).
 */
function allowListText(): string {
  return JSON.stringify(CLASS_ALLOW_LIST, null, 2);
}

function fill(template: string, values: Record<string, string>): string {
  const all: Record<string, string> = { class_allow_list: allowListText(), ...values };
  return template.replace(/\{\{([A-Za-z_]+)\}\}/g, (whole, key: string) => all[key] ?? whole);
}
