"""Stand-in for tests; not NVFlare: a reply carries a return code and an error text."""

from nvflare.fuel.f3.cellnet.defs import MessageHeaderKey
from nvflare.fuel.f3.message import Message


def make_reply(rc, error="", body=None):
    headers = {MessageHeaderKey.RETURN_CODE: rc}
    if error:
        headers[MessageHeaderKey.ERROR] = error
    return Message(headers, payload=body)
