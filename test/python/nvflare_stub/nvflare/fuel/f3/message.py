"""Stand-in for tests; not NVFlare: a cell message is headers plus a payload."""


class Message:
    def __init__(self, headers=None, payload=None):
        self.headers = dict(headers or {})
        self.payload = payload

    def get_header(self, key, default=None):
        return self.headers.get(key, default)

    def set_header(self, key, value):
        self.headers[key] = value
