"""Stand-in for tests; not NVFlare: the provisioning context's folders, templates and logger."""

import os

from .constants import CtxKey


class ProvisionContext(dict):
    def __init__(self, workspace_root_dir, project):
        super().__init__()
        self[CtxKey.WORKSPACE] = workspace_root_dir
        self[CtxKey.WIP] = os.path.join(workspace_root_dir, "wip")
        self[CtxKey.STATE] = os.path.join(workspace_root_dir, "state")
        for d in (workspace_root_dir, self[CtxKey.WIP], self[CtxKey.STATE]):
            os.makedirs(d, exist_ok=True)
        self[CtxKey.PROJECT] = project
        self[CtxKey.TEMP_FILES_LOADED] = []

    def load_templates(self, temp_files):
        if not temp_files:
            return
        if isinstance(temp_files, str):
            temp_files = [temp_files]
        for f in temp_files:
            if f not in self[CtxKey.TEMP_FILES_LOADED]:
                self[CtxKey.TEMP_FILES_LOADED].append(f)

    def set_provision_mode(self, mode):
        self[CtxKey.PROVISION_MODE] = mode

    def set_logger(self, logger):
        self[CtxKey.LOGGER] = logger

    def get_logger(self):
        return self.get(CtxKey.LOGGER)

    def get_workspace(self):
        return self[CtxKey.WORKSPACE]

    def get_wip_dir(self):
        return self[CtxKey.WIP]

    def get_state_dir(self):
        return self[CtxKey.STATE]

    def get_ws_dir(self, entity):
        return os.path.join(self.get_wip_dir(), entity.name)

    def get_kit_dir(self, entity):
        return os.path.join(self.get_ws_dir(entity), "startup")

    def get_local_dir(self, entity):
        return os.path.join(self.get_ws_dir(entity), "local")

    def get_transfer_dir(self, entity):
        return os.path.join(self.get_ws_dir(entity), "transfer")

    def warning(self, msg):
        logger = self.get_logger()
        if logger:
            logger.warning(msg)

    def info(self, msg):
        logger = self.get_logger()
        if logger:
            logger.info(msg)
