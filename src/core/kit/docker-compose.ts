import { utf8 } from "../bytes/encoding.ts";
import { dumpYaml } from "../yaml/dump-yaml.ts";
import type { DockerBuilderArgs, KitFile } from "./types.ts";

/** The org the package flow gives the placeholder server of client and admin kits (startup-kits.md §2). */
export const PLACEHOLDER_SERVER_ORG = "myorg";

/** The one-participant project a kit is rendered from, as DockerBuilder sees it (startup-kits.md §2). */
export interface ComposeProject {
  /** The server: the kit's own for a server kit, else the placeholder named `signed.server.host`. */
  server: { name: string; org: string };
  /** The client, for a client kit only (admins get no service). */
  client: { name: string; org: string } | null;
  fedLearnPort: number;
  adminPort: number;
}

/**
 * What a DockerBuilder writes at the `prod_<NN>` root, relative to it: `compose.yaml` (one
 * service per server and client, sorted like PyYAML's `yaml.dump`), `.env` (the variables
 * compose.yaml uses), `nvflare_compose/Dockerfile` (the image the services build: `FROM` the
 * base image, then pip, nvflare and the requirements) and `nvflare_compose/requirements.txt`
 * (a copy of the requirements file, empty when there is none). All 0644.
 */
export function renderDockerBuilderFiles(
  project: ComposeProject,
  args: DockerBuilderArgs,
  requirements: Uint8Array | undefined,
): Map<string, KitFile> {
  const files = new Map<string, KitFile>();
  const text = (path: string, content: string) => files.set(path, { bytes: utf8(content), mode: 0o644 });
  text(
    ".env",
    "WORKSPACE=/workspace\nPYTHON_EXECUTABLE=/usr/local/bin/python3\nIMAGE_NAME=nvflare-service\n",
  );
  text("compose.yaml", dumpYaml(sortKeys(composeDocument(project))));
  text("nvflare_compose/Dockerfile", renderDockerfile(args.baseImage));
  files.set("nvflare_compose/requirements.txt", {
    bytes: (requirements ?? new Uint8Array()).slice(),
    mode: 0o644,
  });
  return files;
}

/** A variable compose.yaml takes from .env, written `${NAME}`. */
const composeVar = (name: string) => `\${${name}}`;

/** The compose document: the services run the FLARE runtime of each kit mounted at ${WORKSPACE}. */
function composeDocument(p: ComposeProject): Record<string, unknown> {
  const runtime = (module: string, config: string, settings: string[]) => [
    composeVar("PYTHON_EXECUTABLE"),
    "-u",
    "-m",
    module,
    "-m",
    composeVar("WORKSPACE"),
    "-s",
    config,
    "--set",
    ...settings,
  ];
  const services: Record<string, unknown> = {
    [p.server.name]: {
      build: "nvflare_compose",
      command: runtime("nvflare.private.fed.app.server.server_train", "fed_server.json", [
        "secure_train=true",
        "config_folder=config",
        `org=${p.server.org}`,
      ]),
      container_name: p.server.name,
      image: composeVar("IMAGE_NAME"),
      ports: [`${p.fedLearnPort}:${p.fedLearnPort}`, `${p.adminPort}:${p.adminPort}`],
      volumes: [`./${p.server.name}:${composeVar("WORKSPACE")}`, "nvflare_svc_persist:/tmp/nvflare/"],
    },
  };
  if (p.client) {
    services[p.client.name] = {
      build: "nvflare_compose",
      command: runtime("nvflare.private.fed.app.client.client_train", "fed_client.json", [
        "secure_train=true",
        `uid=${p.client.name}`,
        `org=${p.client.org}`,
        "config_folder=config",
      ]),
      container_name: p.client.name,
      image: composeVar("IMAGE_NAME"),
      volumes: [`./${p.client.name}:${composeVar("WORKSPACE")}`],
    };
  }
  return { services, volumes: { nvflare_svc_persist: null } };
}

/** Our Dockerfile: the instructions the reference's image has, with our own comments. */
function renderDockerfile(baseImage: string): string {
  return `FROM ${baseImage}
# The image of the FLARE services in ../compose.yaml, built by \`docker compose build\`.
# FLARE itself, then the site's extra packages listed in requirements.txt beside this file.
RUN pip install -U pip
RUN pip install nvflare
COPY requirements.txt requirements.txt
RUN pip install -r requirements.txt
`;
}

/** Mappings with their keys in code point order, as PyYAML's `yaml.dump` (sort_keys=True) writes them. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      compareCodePoints(a, b),
    );
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

function compareCodePoints(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0) as number);
  const y = [...b].map((c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  }
  return x.length - y.length;
}
