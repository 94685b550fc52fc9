"""Stand-in for tests; not NVFlare: a project of named participants with properties."""


class Participant:
    def __init__(self, type, name, org, props=None):
        self.type = type
        self.name = name
        self.org = org
        self.props = dict(props or {})

    def get_prop(self, key, default=None):
        return self.props.get(key, default)


class Project:
    def __init__(self, name, description, participants=None, props=None):
        self.name = name
        self.description = description
        self.props = dict(props or {})
        self.server = None
        self._participants = []

    def set_server(self, name, org, props):
        self.server = Participant("server", name, org, props)
        return self.server

    def get_server(self):
        return self.server

    def add_client(self, name, org, props):
        p = Participant("client", name, org, props)
        self._participants.append(p)
        return p

    def add_admin(self, name, org, props):
        p = Participant("admin", name, org, props)
        self._participants.append(p)
        return p

    def get_clients(self):
        return [p for p in self._participants if p.type == "client"]

    def get_admins(self):
        return [p for p in self._participants if p.type == "admin"]

    def get_all_participants(self):
        return ([self.server] if self.server else []) + list(self._participants)
