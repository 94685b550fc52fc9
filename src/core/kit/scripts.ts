import { commentText, shellWord } from "./shell.ts";

// The kit's shell scripts, written for this project from the behaviour in startup-kits.md §7
// (not from the reference's templates). What must match the reference exactly: the python
// invocations and their arguments, the workspace resolution, and the file-name contract with
// the FLARE runtime (daemon_pid.fl, pid.fl, shutdown.fl, restart.fl in the workspace root).
// Every value substituted into a script goes through shellWord() or commentText().

/** Server or client: the two site kinds that run a FLARE process. */
export type SiteKind = "server" | "client";

/** Inputs of `startup/sub_start.sh` (startup-kits.md §7.2). */
export interface SubStartParams {
  kind: SiteKind;
  name: string;
  org: string;
  /** StaticFileBuilder `config_folder` (may be empty). */
  configFolder: string;
}

// Shared by sub_start.sh and stop_fl.sh (startup-kits.md §7.2 steps 1-2, §7.3). `cd ... && pwd`
// gives the logical path, so running the workspace's `startup` link resolves to the workspace.
const RESOLVE_WORKSPACE = `startup_dir="$(cd "$(dirname "\${BASH_SOURCE[0]}")" >/dev/null 2>&1 && pwd)"
kit_root="$(cd "$startup_dir/.." >/dev/null 2>&1 && pwd)"

# Where the runtime keeps its state: $NVFL_WORKSPACE when set; /vault/workspace[/<kit name>]
# for a kit mounted at or under /user_config; otherwise the kit folder itself.
if [ -n "\${NVFL_WORKSPACE:-}" ]; then
  WORKSPACE="$NVFL_WORKSPACE"
else
  case "$kit_root" in
    /user_config) WORKSPACE=/vault/workspace ;;
    /user_config/*) WORKSPACE="/vault/workspace/$(basename "$kit_root")" ;;
    *) WORKSPACE="$kit_root" ;;
  esac
fi
case "$WORKSPACE" in
  "" | /)
    echo "Invalid WORKSPACE: '$WORKSPACE'"
    exit 1
    ;;
esac
`;

const SCRIPT_DIR = `startup_dir="$(cd "$(dirname "\${BASH_SOURCE[0]}")" >/dev/null 2>&1 && pwd)"`;

/** The runtime command as bash array elements (startup-kits.md §7.2 step 7). */
function runtimeCommand(p: SubStartParams): string {
  const module = p.kind === "server" ? "server.server_train" : "client.client_train";
  const settings = [
    "secure_train=true",
    ...(p.kind === "client" ? [`uid=${p.name}`] : []),
    `org=${p.org}`,
    `config_folder=${p.configFolder}`,
  ].map(shellWord);
  return [
    `python3 -u -m nvflare.private.fed.app.${module} -m "$WORKSPACE" -s fed_${p.kind}.json`,
    `  --set ${settings.join(" ")}`,
  ].join("\n");
}

/**
 * `startup/sub_start.sh`: resolves the workspace, optionally verifies the kit, then runs the
 * FLARE process once (`--once`) or supervises it (startup-kits.md §7.2).
 */
export function renderSubStartSh(p: SubStartParams): string {
  return `#!/usr/bin/env bash
# sub_start.sh - run and supervise the FLARE ${p.kind} "${commentText(p.name)}".
#
#   sub_start.sh           supervise: start the FLARE process, start it again whenever it
#                          exits, stop it when shutdown.fl appears in the workspace (and
#                          restart it when restart.fl appears); checks every 5 seconds
#   sub_start.sh --once    run the FLARE process once in the foreground; exit with its status
#   sub_start.sh --verify  first check the kit with nvflare.tool.verify_startup_kits
#
# A workspace other than the kit folder gets its own copy of the kit (kit/), with startup/
# and local/ linked into it.
set -u

${RESOLVE_WORKSPACE}
once=false
verify=false
for arg in "$@"; do
  case "$arg" in
    --once) once=true ;;
    --verify) verify=true ;;
  esac
done

# Leave quietly when a live supervisor already owns this workspace; forget a stale pid file.
refuse_if_supervised() {
  local pid_file="$WORKSPACE/daemon_pid.fl"
  local other
  [ -f "$pid_file" ] || return 0
  other="$(cat "$pid_file" 2>/dev/null)"
  if [ -n "$other" ] && kill -0 "$other" 2>/dev/null; then
    echo "A supervisor (pid $other) is already running for $WORKSPACE."
    echo "If it is not, stop process $other, delete $pid_file and try again."
    exit 0
  fi
  rm -f "$pid_file"
}

kit_dir="$kit_root"
if [ "$WORKSPACE" != "$kit_root" ]; then
  refuse_if_supervised
  kit_dir="$WORKSPACE/kit"
  # When this script already runs from the workspace's copy, keep it instead of replacing it.
  if [ "$kit_root" != "$kit_dir" ]; then
    mkdir -p "$WORKSPACE"
    rm -rf "$kit_dir"
    cp -a "$kit_root" "$kit_dir"
    chmod 700 "$WORKSPACE" "$kit_dir"
    rm -rf "$WORKSPACE/startup" "$WORKSPACE/local"
    ln -s "$kit_dir/startup" "$WORKSPACE/startup"
    ln -s "$kit_dir/local" "$WORKSPACE/local"
  fi
fi

if [ "$verify" = true ]; then
  if ! python3 -m nvflare.tool.verify_startup_kits -f "$kit_dir" -c "$kit_dir/startup/rootCA.pem"; then
    echo "verification failed"
    exit 1
  fi
fi

echo "WORKSPACE set to $WORKSPACE"
mkdir -p "$WORKSPACE/transfer"
# Site code in /local/custom comes first. No empty entry is added when PYTHONPATH was unset:
# an empty entry would put the current directory on the module path.
export PYTHONPATH="/local/custom\${PYTHONPATH:+:$PYTHONPATH}"
echo "PYTHONPATH is $PYTHONPATH"

# jemalloc is opt-in (NVFLARE_ENABLE_JEMALLOC_PRELOAD=true), e.g. for PyTorch workloads.
if [ "\${NVFLARE_ENABLE_JEMALLOC_PRELOAD:-false}" = true ]; then
  for lib in /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib64/libjemalloc.so.2 /usr/local/lib/libjemalloc.so; do
    if [ -f "$lib" ]; then
      export LD_PRELOAD="\${LD_PRELOAD:+$LD_PRELOAD:}$lib"
      export MALLOC_CONF="\${MALLOC_CONF:-dirty_decay_ms:5000,muzzy_decay_ms:5000}"
      echo "Using jemalloc: $lib"
      break
    fi
  done
fi
# Fewer glibc malloc arenas keep the resident size down; a value set by the caller wins.
export MALLOC_ARENA_MAX="\${MALLOC_ARENA_MAX:-4}"

runtime=(${runtimeCommand(p)})

if [ "$once" = true ]; then
  echo "Starting the FLARE ${p.kind} once, in the foreground"
  rm -f "$WORKSPACE/pid.fl" "$WORKSPACE/shutdown.fl" "$WORKSPACE/restart.fl"
  exec "\${runtime[@]}"
fi

refuse_if_supervised
echo "$$" > "$WORKSPACE/daemon_pid.fl"

last_start=-400 # long enough ago that the first start never counts as a quick one
quick_starts=0

start_runtime() {
  # Five starts in a row, each within 300 s of the one before, mean a crash loop: give up.
  if [ $((SECONDS - last_start)) -lt 300 ]; then
    quick_starts=$((quick_starts + 1))
  else
    quick_starts=0
  fi
  if [ "$quick_starts" -ge 5 ]; then
    echo "System is in trouble and unable to start the task!!!!!"
    rm -f "$WORKSPACE/pid.fl" "$WORKSPACE/shutdown.fl" "$WORKSPACE/restart.fl" "$WORKSPACE/daemon_pid.fl"
    exit 1
  fi
  last_start=$SECONDS
  # Launched from a subshell, the process is not our child: when it ends, init reaps it, so
  # "kill -0 <pid>" fails as it should (a zombie child of ours would still pass).
  ("\${runtime[@]}" 2>&1 & echo "$!" > "$WORKSPACE/pid.fl")
  echo "Started the FLARE ${p.kind}, pid $(cat "$WORKSPACE/pid.fl")"
}

stop_runtime() {
  local pid
  pid="$(cat "$WORKSPACE/pid.fl" 2>/dev/null)"
  if [ -n "$pid" ]; then
    sleep 5 # let it finish on its own first
    if kill -0 "$pid" 2>/dev/null; then
      kill -9 "$pid"
    fi
  fi
  rm -f "$WORKSPACE/pid.fl" "$WORKSPACE/shutdown.fl" "$WORKSPACE/restart.fl"
}

while true; do
  sleep 5
  if [ ! -f "$WORKSPACE/pid.fl" ]; then
    start_runtime
    continue
  fi
  pid="$(cat "$WORKSPACE/pid.fl" 2>/dev/null)"
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    if [ -f "$WORKSPACE/shutdown.fl" ]; then
      echo "Gracefully shutdown."
      break
    fi
    echo "The FLARE ${p.kind} (pid \${pid:-unknown}) has exited; starting it again"
    start_runtime
    continue
  fi
  if [ -f "$WORKSPACE/shutdown.fl" ]; then
    echo "Shutdown requested: stopping the FLARE ${p.kind} (pid $pid)"
    stop_runtime
    break
  fi
  if [ -f "$WORKSPACE/restart.fl" ]; then
    echo "Restart requested: stopping the FLARE ${p.kind} (pid $pid)"
    stop_runtime
  fi
done

rm -f "$WORKSPACE/pid.fl" "$WORKSPACE/shutdown.fl" "$WORKSPACE/restart.fl" "$WORKSPACE/daemon_pid.fl"
`;
}

/**
 * `startup/start.sh`: starts `sub_start.sh` in the background without arguments, or hands
 * over to `azure_start.sh` / `aws_start.sh` for `--cloud azure|aws` (startup-kits.md §7.1).
 */
export function renderStartSh(kind: SiteKind, name: string): string {
  return `#!/usr/bin/env bash
# start.sh - start the FLARE ${kind} "${commentText(name)}" in the background.
# It launches startup/sub_start.sh, which supervises the FLARE process (arguments are not
# passed on). With --cloud azure or --cloud aws it runs azure_start.sh or aws_start.sh from
# this folder instead, with all arguments, for kits that include them.
set -u
${SCRIPT_DIR}

cloud_requested=false
cloud=""
take_next=false
for arg in "$@"; do
  if [ "$take_next" = true ]; then
    cloud="$arg"
    take_next=false
  elif [ "$arg" = --cloud ]; then
    cloud_requested=true
    take_next=true
  fi
done

if [ "$cloud_requested" = true ]; then
  case "$cloud" in
    azure) exec "$startup_dir/azure_start.sh" "$@" ;;
    aws) exec "$startup_dir/aws_start.sh" "$@" ;;
    *) echo "Only on-prem or azure or aws is currently supported." ;;
  esac
else
  "$startup_dir/sub_start.sh" &
fi
`;
}

/**
 * `startup/stop_fl.sh`: after a y/N prompt, creates `shutdown.fl` in the workspace so that
 * the supervisor stops the process (startup-kits.md §7.3). Exits 0 either way.
 */
export function renderStopFlSh(kind: SiteKind): string {
  const caveat =
    kind === "server"
      ? ["Clients and admin sessions are not told that the server goes away."]
      : [
          "It does not deregister this client from the server, so the server keeps showing",
          "a wrong status for it afterwards.",
        ];
  return `#!/usr/bin/env bash
# stop_fl.sh - last-resort stop of the local FLARE ${kind}.
# It asks the sub_start.sh supervisor to stop the FLARE process by creating shutdown.fl in
# the workspace. Prefer the shutdown command of the FLARE admin console.
set -u

${RESOLVE_WORKSPACE}
echo "Use the FLARE admin console (shutdown command) to stop this ${kind} properly."
echo "This script is only a last resort."
${caveat.map((line) => `echo "${line}"`).join("\n")}
answer=""
read -r -n 1 -p "Would you like to continue (y/N)? " answer
echo
case "$answer" in
  y | Y)
    mkdir -p "$WORKSPACE"
    touch "$WORKSPACE/shutdown.fl"
    echo "Shutdown requested: the supervisor stops the local FLARE process within a few seconds."
    ;;
  *)
    echo "Not continue"
    ;;
esac
exit 0
`;
}

/** `startup/fl_admin.sh`: the admin console with this kit, arguments forwarded (startup-kits.md §7.4). */
export function renderFlAdminSh(name: string): string {
  return `#!/usr/bin/env bash
# fl_admin.sh - open the FLARE admin console as "${commentText(name)}" with this startup kit.
# All arguments are passed on to nvflare.fuel.hci.tools.admin.
set -u
${SCRIPT_DIR}
mkdir -p "$startup_dir/../transfer"
exec python3 -m nvflare.fuel.hci.tools.admin -m "$startup_dir/.." -s fed_admin.json "$@"
`;
}

/** Inputs of `startup/docker.sh` (startup-kits.md §7.5). */
export interface DockerParams {
  kind: "server" | "client" | "admin";
  name: string;
  org: string;
  /** StaticFileBuilder `docker_image`. */
  image: string;
  fedLearnPort: number;
  adminPort: number;
}

/**
 * `startup/docker.sh`, only written when a `docker_image` is configured (startup-kits.md §7.5).
 * It makes the reference's `docker run` calls (same options, mounts and image; `-d` runs the
 * FLARE runtime detached through `/bin/bash -c`, anything else opens an interactive shell):
 * test/kit-scripts.test.ts compares the argv with the reference kit's.
 */
export function renderDockerSh(p: DockerParams): string {
  const head = "#!/usr/bin/env bash";
  const image = `image=${shellWord(p.image)}`;
  // The detached container's command, one string for `bash -c`: words quoted only if needed.
  const inContainer = (words: string[]) => shellWord(words.map(shellWord).join(" "));
  if (p.kind === "admin") {
    return `${head}
# docker.sh - open a shell in a container of image ${commentText(p.image)} with this admin kit
# mounted at /workspace; run startup/fl_admin.sh there to reach the FLARE server.
set -u
${SCRIPT_DIR}
${image}
echo "Starting docker with $image"
docker run --rm -it --name=fladmin -v "$startup_dir/..:/workspace/" -w /workspace/ "$image" /bin/bash
`;
  }
  if (p.kind === "server") {
    const runtime = inContainer([
      ..."python -u -m nvflare.private.fed.app.server.server_train -m /workspace -s fed_server.json".split(
        " ",
      ),
      "--set",
      "secure_train=true",
      "config_folder=config",
      `org=${p.org}`,
    ]);
    return `${head}
# docker.sh - run the FLARE server "${commentText(p.name)}" in a container of image
# ${commentText(p.image)}, with this kit mounted at /workspace and the host's network.
#   docker.sh -d   start the server detached
#   docker.sh      open an interactive shell in the container instead
# The container is named $SVR_NAME (default flserver). To publish only the FLARE ports instead
# of sharing the host's network, set network below to:
#   network=(-p ${p.adminPort}:${p.adminPort} -p ${p.fedLearnPort}:${p.fedLearnPort})
set -u
${SCRIPT_DIR}
${image}
container="\${SVR_NAME:-flserver}"
network=(--net=host)
echo "Starting docker with $image"
if [ "\${1:-}" = -d ]; then
  docker run -d --rm --name="$container" -v "$startup_dir/..:/workspace/" -w /workspace \\
    --ipc=host "\${network[@]}" "$image" /bin/bash -c ${runtime}
else
  docker run --rm -it --name="$container" -v "$startup_dir/..:/workspace/" -w /workspace/ \\
    --ipc=host "\${network[@]}" "$image" /bin/bash
fi
`;
  }
  const runtime = inContainer([
    ..."python -u -m nvflare.private.fed.app.client.client_train -m /workspace -s fed_client.json".split(" "),
    "--set",
    `uid=${p.name}`,
    "secure_train=true",
    "config_folder=config",
    `org=${p.org}`,
  ]);
  const name = shellWord(`--name=${p.name}`);
  return `${head}
# docker.sh - run the FLARE client "${commentText(p.name)}" in a container of image
# ${commentText(p.image)}: this kit at /workspace, $MY_DATA_DIR (default /home/flclient/data)
# read-only at /data, your user and group ids, the host's network and IPC namespace.
#   docker.sh -d   start the client detached
#   docker.sh      open an interactive shell in the container instead
# GPUs: set GPU2USE to docker run's option, e.g. GPU2USE=--gpus=all or
# GPU2USE='--gpus="device=0,2"' (none by default).
set -u
${SCRIPT_DIR}
${image}
data_dir="\${MY_DATA_DIR:-/home/flclient/data}"
read -r -a gpus <<< "\${GPU2USE:-}"
echo "Starting docker with $image"
if [ "\${1:-}" = -d ]; then
  docker run -d --rm ${name} \${gpus[@]+"\${gpus[@]}"} -u "$(id -u):$(id -g)" \\
    -v /etc/passwd:/etc/passwd -v /etc/group:/etc/group -v "$startup_dir/..:/workspace/" \\
    -v "$data_dir:/data/:ro" -w /workspace/ --ipc=host --net=host "$image" /bin/bash -c ${runtime}
else
  docker run --rm -it ${name} \${gpus[@]+"\${gpus[@]}"} -u "$(id -u):$(id -g)" \\
    -v /etc/passwd:/etc/passwd -v /etc/group:/etc/group -v "$startup_dir/..:/workspace/" \\
    -v "$data_dir:/data/:ro" -w /workspace/ --ipc=host --net=host "$image" /bin/bash
fi
`;
}
