"""Stand-in for tests; not NVFlare: the context keys and modes python/flare_provision_builders.py uses."""


class CtxKey:
    WORKSPACE = "workspace"
    WIP = "wip_dir"
    STATE = "state_dir"
    PROJECT = "project"
    TEMPLATE = "template"
    TEMP_FILES_LOADED = "temp_files_loaded"
    PROVISION_MODE = "provision_mode"
    LOGGER = "logger"
    BUILD_ERROR = "__build_error__"


class ProvisionMode:
    POC = "poc"
    NORMAL = "normal"
