"""Unit tests of python/flare_provision_revocation.py against the NVFlare contract it relies on.

NVFlare is replaced by test/python/nvflare_stub (a stand-in, not NVFlare) and by FakeServer below,
which plays the parts of the FLARE server the guard touches, as NVFlare's source has them: the
cell's request-callback registry and incoming filters, the registration handler that fires
CLIENT_REGISTER_RECEIVED and honours NotAuthenticated from a handler, the client manager and
logout_client. Run by test/revocation-guard-python.test.ts (npm test).
"""

import datetime
import json
import logging
import os
import shutil
import tempfile
import unittest
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

import flare_provision_revocation as guard_module
from flare_provision_revocation import CrlError, RevocationGuard, load_crl, token_digest
from nvflare.apis.event_type import EventType
from nvflare.apis.fl_constant import FLContextKey
from nvflare.apis.fl_exception import NotAuthenticated, UnsafeComponentError
from nvflare.fuel.f3.cellnet.defs import (
    CellChannel,
    CellChannelTopic,
    IdentityChallengeKey,
    MessageHeaderKey,
    ReturnCode,
)
from nvflare.fuel.f3.cellnet.utils import make_reply
from nvflare.fuel.f3.message import Message
from nvflare.private.defs import CellMessageHeaderKeys

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
LOGGER = "flare_provision_revocation"
# The guard's lines are asserted with assertLogs; outside those, keep them off the test output.
logging.getLogger(LOGGER).addHandler(logging.NullHandler())
_KEYS = {}


def _key(label):
    # RSA keys are slow to make: one per role for the whole run.
    if label not in _KEYS:
        _KEYS[label] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _KEYS[label]


class Ca:
    """A throwaway root CA that issues leaves and CRLs."""

    def __init__(self, cn="Test Root CA", key_label="root"):
        self.key = _key(key_label)
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - datetime.timedelta(days=1))
            .not_valid_after(NOW + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )

    def pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def leaf(self, cn, serial):
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(self.name)
            .public_key(_key("leaf").public_key())
            .serial_number(serial)
            .not_valid_before(NOW - datetime.timedelta(days=1))
            .not_valid_after(NOW + datetime.timedelta(days=30))
            .sign(self.key, hashes.SHA256())
            .public_bytes(serialization.Encoding.PEM)
        )

    def crl(self, revoked=(), number=1, next_update=None, extra=(), signer=None, pem=True):
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.name)
            .last_update(NOW - datetime.timedelta(hours=1))
            .next_update(next_update or NOW + datetime.timedelta(days=7))
        )
        if number is not None:
            builder = builder.add_extension(x509.CRLNumber(number), critical=False)
        for extension, critical in extra:
            builder = builder.add_extension(extension, critical=critical)
        for serial, reason in revoked:
            entry = (
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(NOW - datetime.timedelta(minutes=30))
            )
            if reason:
                entry = entry.add_extension(x509.CRLReason(reason), critical=False)
            builder = builder.add_revoked_certificate(entry.build())
        crl = builder.sign(signer or self.key, hashes.SHA256())
        return crl.public_bytes(serialization.Encoding.PEM if pem else serialization.Encoding.DER)


KEY_COMPROMISE = x509.ReasonFlags.key_compromise


class Callback:
    def __init__(self, cb, args, kwargs):
        self.cb, self.args, self.kwargs = cb, args, kwargs


class FakeCore:
    """The parts of NVFlare's CoreCell the guard uses: callback registry and incoming filters."""

    class Registry:
        def __init__(self):
            self.reg = {}

        def set(self, channel, topic, item):
            self.reg[f"{channel}:{topic}"] = item

        def find(self, channel, topic):
            return self.reg.get(f"{channel}:{topic}") or self.reg.get(f"{channel}:*") or self.reg.get("*:*")

    def __init__(self):
        self.req_reg = self.Registry()
        self.filters = []

    def register_request_cb(self, channel, topic, cb, *args, **kwargs):
        self.req_reg.set(channel, topic, Callback(cb, args, kwargs))

    def add_incoming_filter(self, channel, topic, cb, *args, **kwargs):
        self.filters.append(Callback(cb, args, kwargs))

    def deliver(self, message):
        """As CoreCell: incoming filters first (a reply from one drops the message), then the callback."""
        for f in self.filters:
            reply = f.cb(message, *f.args, **f.kwargs)
            if reply:
                return "dropped", reply
        cb = self.req_reg.find(message.get_header(MessageHeaderKey.CHANNEL), message.get_header(MessageHeaderKey.TOPIC))
        return "handled", cb.cb(message, *cb.args, **cb.kwargs)


class Ctx:
    def __init__(self, props):
        self.props = dict(props)

    def get_prop(self, key, default=None):
        return self.props.get(key, default)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class Engine:
    def __init__(self, secure):
        self.secure = secure

    def new_context(self):
        return Ctx({FLContextKey.SECURE_MODE: self.secure})


class Workspace:
    def __init__(self, root):
        self.root = root

    def get_root_dir(self):
        return self.root


class FakeServer:
    """The FederatedServer parts: register_client firing CLIENT_REGISTER_RECEIVED, clients, logout_client."""

    def __init__(self, secure=True):
        self.cell = type("Cell", (), {})()
        self.cell.core_cell = FakeCore()
        self.engine = Engine(secure)
        self.client_manager = type("ClientManager", (), {})()
        self.client_manager.clients = {}
        self.handlers = []
        self.registered = []
        self.logged_out = []
        self.cell.core_cell.register_request_cb(CellChannel.SERVER_MAIN, CellChannelTopic.Register, self.register_client)
        self.cell.core_cell.register_request_cb(CellChannel.SERVER_MAIN, CellChannelTopic.HEART_BEAT, self.heartbeat)
        self.cell.core_cell.register_request_cb("*", "*", self.heartbeat)  # any other traffic

    def fire(self, event, ctx):
        # As nvflare.apis.utils.event: a handler's exception is collected, not propagated.
        exceptions = {}
        for h in self.handlers:
            try:
                h.handle_event(event, ctx)
            except Exception as e:  # noqa: BLE001
                exceptions[h.name] = e
        return exceptions

    def register_client(self, message):
        # As FederatedServer.register_client: NotAuthenticated from a CLIENT_REGISTER_RECEIVED
        # handler refuses the registration before any token is made.
        exceptions = self.fire(EventType.CLIENT_REGISTER_RECEIVED, Ctx({}))
        if any(isinstance(e, NotAuthenticated) for e in exceptions.values()):
            return make_reply(ReturnCode.UNAUTHENTICATED, error="register_client unauthenticated")
        token = str(uuid.uuid4())
        name = message.get_header(CellMessageHeaderKeys.CLIENT_NAME)
        if message.get_header(CellMessageHeaderKeys.CLIENT_TYPE, "regular") == "regular":
            self.client_manager.clients[token] = type("Client", (), {"name": name})()
        self.registered.append(name)
        reply = Message({MessageHeaderKey.RETURN_CODE: ReturnCode.OK}, {CellMessageHeaderKeys.TOKEN: token})
        return reply

    def heartbeat(self, message):
        return Message({MessageHeaderKey.RETURN_CODE: ReturnCode.OK}, None)

    def logout_client(self, token):
        client = self.client_manager.clients.pop(token)
        self.logged_out.append(client.name)
        return client


def register_message(name, cert_pem, kind="regular"):
    return Message(
        {
            MessageHeaderKey.CHANNEL: CellChannel.SERVER_MAIN,
            MessageHeaderKey.TOPIC: CellChannelTopic.Register,
            CellMessageHeaderKeys.CLIENT_NAME: name,
            CellMessageHeaderKeys.CLIENT_TYPE: kind,
        },
        {IdentityChallengeKey.CERT: cert_pem, "signature": "sig"},
    )


def heartbeat_message(name, token):
    return Message(
        {
            MessageHeaderKey.CHANNEL: CellChannel.SERVER_MAIN,
            MessageHeaderKey.TOPIC: CellChannelTopic.HEART_BEAT,
            CellMessageHeaderKeys.CLIENT_NAME: name,
            CellMessageHeaderKeys.TOKEN: token,
        },
        None,
    )


def job_message(name, token):
    return Message(
        {
            MessageHeaderKey.CHANNEL: "aux_communication",
            MessageHeaderKey.TOPIC: "get_task",
            CellMessageHeaderKeys.CLIENT_NAME: name,
            CellMessageHeaderKeys.TOKEN: token,
        },
        None,
    )


class GuardTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ca = Ca()
        cls.other_ca = Ca(cn="Another CA", key_label="other")
        cls.twin_ca = Ca(key_label="twin")  # same name as the root, another key

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="flare-guard-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.root_path = os.path.join(self.dir, "rootCA.pem")
        self.crl_path = os.path.join(self.dir, "crl.pem")
        self.state_path = os.path.join(self.dir, "state.json")
        with open(self.root_path, "wb") as f:
            f.write(self.ca.pem())

    def write_crl(self, data):
        # Replaced by rename, as kit crl install does: the guard sees a new inode.
        temp = self.crl_path + ".tmp"
        with open(temp, "wb") as f:
            f.write(data)
        os.replace(temp, self.crl_path)

    def make_guard(self, crl=None, **kwargs):
        self.write_crl(crl if crl is not None else self.ca.crl(revoked=[(0x51, KEY_COMPROMISE)]))
        args = dict(crl_file=self.crl_path, root_ca_file=self.root_path, state_file=self.state_path, poll_interval=3600)
        args.update(kwargs)
        return RevocationGuard(**args)

    def install(self, guard, server=None):
        server = server or FakeServer()
        server.handlers.append(guard)
        guard.handle_event(
            EventType.SYSTEM_BOOTSTRAP,
            Ctx({FLContextKey.SITE_OBJ: server, FLContextKey.WORKSPACE_OBJECT: Workspace(self.dir)}),
        )
        self.addCleanup(guard.handle_event, EventType.SYSTEM_END, Ctx({}))
        return server


class LoadCrlTest(GuardTestCase):
    def load(self, data):
        self.write_crl(data)
        return load_crl(self.crl_path, self.root_path)

    def test_reads_number_dates_serials_and_reasons(self):
        crl = self.load(self.ca.crl(revoked=[(0x51, KEY_COMPROMISE), (0x52, None)], number=7))
        self.assertEqual(crl.number, 7)
        self.assertEqual(crl.lookup(0x51)[1], "keyCompromise")
        self.assertEqual(crl.lookup(0x52)[1], "unspecified")
        self.assertIsNone(crl.lookup(0x53))
        self.assertEqual(crl.next_update, NOW + datetime.timedelta(days=7))

    def test_reads_a_der_crl(self):
        self.assertEqual(self.load(self.ca.crl(number=3, pem=False)).number, 3)

    def test_refuses_a_crl_of_another_issuer(self):
        with self.assertRaisesRegex(CrlError, "issued by CN=Another CA, not by the root CA CN=Test Root CA"):
            self.load(self.other_ca.crl())

    def test_refuses_a_crl_signed_by_another_key_of_the_same_name(self):
        with self.assertRaisesRegex(CrlError, "does not verify with the root CA key"):
            self.load(self.ca.crl(signer=self.twin_ca.key))

    def test_refuses_a_crl_without_a_crl_number(self):
        with self.assertRaisesRegex(CrlError, "has no CRL number"):
            self.load(self.ca.crl(number=None))

    def test_refuses_a_delta_crl(self):
        with self.assertRaisesRegex(CrlError, "is a delta CRL"):
            self.load(self.ca.crl(extra=[(x509.DeltaCRLIndicator(1), True)]))

    def test_refuses_an_unknown_critical_extension(self):
        unknown = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\x05\x00")
        with self.assertRaisesRegex(CrlError, "unknown critical extension 1.3.6.1.4.1.55555.1"):
            self.load(self.ca.crl(extra=[(unknown, True)]))

    def test_refuses_garbage_and_a_missing_file(self):
        with self.assertRaisesRegex(CrlError, "is not a PEM or DER CRL"):
            self.load(b"-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n")
        os.unlink(self.crl_path)
        with self.assertRaisesRegex(CrlError, "cannot read the CRL"):
            load_crl(self.crl_path, self.root_path)

    def test_refuses_a_tampered_crl(self):
        der = bytearray(self.ca.crl(revoked=[(0x51, None)], pem=False))
        der[der.index(b"\x02\x01\x51") + 2] = 0x52  # the revoked serial, inside the signed part
        with self.assertRaisesRegex(CrlError, "does not verify"):
            self.load(bytes(der))


class StartTest(GuardTestCase):
    def test_an_unusable_crl_stops_the_server_from_starting(self):
        with self.assertLogs(LOGGER, "CRITICAL") as logs:
            with self.assertRaisesRegex(UnsafeComponentError, "does not verify with the root CA key"):
                self.make_guard(self.ca.crl(signer=self.twin_ca.key))
        self.assertIn("refusing to start the server", logs.output[0])

    def test_an_expired_crl_is_enforced_with_a_warning(self):
        with self.assertLogs(LOGGER, "WARNING") as logs:
            guard = self.make_guard(self.ca.crl(revoked=[(0x51, None)], next_update=NOW - datetime.timedelta(hours=1)))
        self.assertTrue(any("past its nextUpdate" in line and "still enforcing it" in line for line in logs.output))
        server = self.install(guard)
        _, reply = server.cell.core_cell.deliver(register_message("site-1", self.ca.leaf("site-1", 0x51)))
        self.assertEqual(reply.get_header(MessageHeaderKey.RETURN_CODE), ReturnCode.UNAUTHENTICATED)

    def test_bad_arguments_are_refused(self):
        with self.assertRaisesRegex(UnsafeComponentError, "poll_interval must be a number > 0"):
            self.make_guard(poll_interval=0)
        with self.assertRaisesRegex(UnsafeComponentError, "unknown_tokens must be 'warn' or 'refuse'"):
            self.make_guard(unknown_tokens="allow")

    def test_a_server_without_the_registration_seam_does_not_start(self):
        guard = self.make_guard()
        server = FakeServer()
        server.cell.core_cell.req_reg.reg.clear()
        with self.assertLogs(LOGGER, "CRITICAL"):
            with self.assertRaisesRegex(UnsafeComponentError, "cannot find the server's registration handler"):
                guard.handle_event(EventType.SYSTEM_BOOTSTRAP, Ctx({FLContextKey.SITE_OBJ: server}))


class RegistrationTest(GuardTestCase):
    def setUp(self):
        super().setUp()
        self.guard = self.make_guard()
        self.server = self.install(self.guard)
        self.core = self.server.cell.core_cell

    def register(self, name, serial, kind="regular", ca=None):
        return self.core.deliver(register_message(name, (ca or self.ca).leaf(name, serial), kind))[1]

    def test_refuses_a_revoked_certificate_and_names_client_serial_and_reason(self):
        with self.assertLogs(LOGGER, "ERROR") as logs:
            reply = self.register("site-1", 0x51)
        self.assertEqual(reply.get_header(MessageHeaderKey.RETURN_CODE), ReturnCode.UNAUTHENTICATED)
        self.assertIn("serial 0x51", reply.get_header(MessageHeaderKey.ERROR))
        self.assertEqual(self.server.registered, [])
        self.assertRegex(
            logs.output[0],
            r"refused registration of regular 'site-1': certificate serial 0x51 \(subject CN=site-1\) "
            r"is revoked since \S+Z, reason keyCompromise, by CRL number 1",
        )

    def test_lets_a_valid_certificate_through_to_the_server(self):
        reply = self.register("site-2", 0x52)
        self.assertEqual(reply.get_header(MessageHeaderKey.RETURN_CODE), ReturnCode.OK)
        self.assertEqual(self.server.registered, ["site-2"])
        with open(self.state_path) as f:
            state = json.load(f)
        token = reply.payload[CellMessageHeaderKeys.TOKEN]
        self.assertNotIn(token, json.dumps(state))  # tokens are bearer credentials
        self.assertEqual(state["tokens"][token_digest(token)]["serial"], "0x52")

    def test_refuses_revoked_admin_logins_too(self):
        reply = self.register("admin@org.com", 0x51, kind="admin")
        self.assertEqual(reply.get_header(MessageHeaderKey.RETURN_CODE), ReturnCode.UNAUTHENTICATED)

    def test_a_certificate_of_another_issuer_is_left_to_nvflare(self):
        with self.assertLogs(LOGGER, "WARNING") as logs:
            reply = self.register("site-9", 0x51, ca=self.other_ca)
        self.assertEqual(reply.get_header(MessageHeaderKey.RETURN_CODE), ReturnCode.OK)
        self.assertIn("which this CRL does not cover", logs.output[0])

    def test_an_unreadable_certificate_is_refused(self):
        message = register_message("site-3", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        with self.assertLogs(LOGGER, "ERROR"):
            reply = self.core.deliver(message)[1]
        self.assertEqual(reply.get_header(MessageHeaderKey.RETURN_CODE), ReturnCode.UNAUTHENTICATED)

    def test_a_registration_that_bypassed_the_guard_is_refused_through_not_authenticated(self):
        # NVFlare's own contract: NotAuthenticated from CLIENT_REGISTER_RECEIVED refuses it.
        reply = self.server.register_client(register_message("site-2", self.ca.leaf("site-2", 0x52)))
        self.assertEqual(reply.get_header(MessageHeaderKey.RETURN_CODE), ReturnCode.UNAUTHENTICATED)
        self.assertEqual(self.server.registered, [])

    def test_a_server_without_secure_train_refuses_everyone(self):
        self.server.engine.secure = False
        with self.assertLogs(LOGGER, "CRITICAL"):
            reply = self.register("site-2", 0x52)
        self.assertIn("without secure_train", reply.get_header(MessageHeaderKey.ERROR))


class ReloadTest(GuardTestCase):
    def setUp(self):
        super().setUp()
        self.guard = self.make_guard()
        self.server = self.install(self.guard)
        self.core = self.server.cell.core_cell

    def register(self, name, serial):
        return self.core.deliver(register_message(name, self.ca.leaf(name, serial)))[1]

    def test_a_new_crl_applies_to_the_next_registration_without_a_restart(self):
        self.assertEqual(self.register("site-2", 0x52).get_header(MessageHeaderKey.RETURN_CODE), ReturnCode.OK)
        self.write_crl(self.ca.crl(revoked=[(0x51, KEY_COMPROMISE), (0x52, x509.ReasonFlags.superseded)], number=2))
        with self.assertLogs(LOGGER, "INFO") as logs:
            reply = self.register("site-2", 0x52)
        self.assertEqual(reply.get_header(MessageHeaderKey.RETURN_CODE), ReturnCode.UNAUTHENTICATED)
        self.assertTrue(any("reloaded CRL number 2" in line and "(was CRL number 1)" in line for line in logs.output))

    def test_a_registered_client_is_cut_when_its_certificate_is_revoked(self):
        token = self.register("site-2", 0x52).payload[CellMessageHeaderKeys.TOKEN]
        other = self.register("site-3", 0x53).payload[CellMessageHeaderKeys.TOKEN]
        self.assertEqual(self.core.deliver(job_message("site-2", token))[0], "handled")
        self.write_crl(self.ca.crl(revoked=[(0x52, KEY_COMPROMISE)], number=2))
        with self.assertLogs(LOGGER, "ERROR") as logs:
            self.assertTrue(self.guard.refresh())
        self.assertEqual(self.server.logged_out, ["site-2"])
        self.assertTrue(any("cutting regular 'site-2'" in line for line in logs.output))
        outcome, reply = self.core.deliver(job_message("site-2", token))
        self.assertEqual(outcome, "dropped")
        self.assertEqual(reply.get_header(MessageHeaderKey.RETURN_CODE), ReturnCode.UNAUTHENTICATED)
        self.assertEqual(self.core.deliver(heartbeat_message("site-3", other))[0], "handled")

    def test_an_unusable_or_older_crl_keeps_the_last_good_one(self):
        self.write_crl(self.ca.crl(revoked=[(0x51, None)], number=5))
        self.assertTrue(self.guard.refresh())
        self.write_crl(self.ca.crl(revoked=[], number=4))
        with self.assertLogs(LOGGER, "ERROR") as logs:
            self.assertFalse(self.guard.refresh())
        self.assertIn("lower than the loaded CRL's 5 (a rollback)", logs.output[0])
        self.write_crl(self.ca.crl(revoked=[], number=9, signer=self.twin_ca.key))
        with self.assertLogs(LOGGER, "ERROR") as logs:
            self.assertFalse(self.guard.refresh())
        self.assertIn("keeping CRL number 5", logs.output[0])
        self.assertFalse(self.guard.refresh())  # the same bad file is not re-read or re-logged
        os.unlink(self.crl_path)
        with self.assertLogs(LOGGER, "ERROR"):
            self.assertFalse(self.guard.refresh())
        self.assertEqual(self.register("site-1", 0x51).get_header(MessageHeaderKey.RETURN_CODE), ReturnCode.UNAUTHENTICATED)


class RestartTest(GuardTestCase):
    def test_a_token_from_before_a_restart_is_cut_when_its_certificate_is_revoked(self):
        first = self.make_guard()
        server = self.install(first)
        token = server.cell.core_cell.deliver(register_message("site-2", self.ca.leaf("site-2", 0x52)))[1].payload[
            CellMessageHeaderKeys.TOKEN
        ]
        first.handle_event(EventType.SYSTEM_END, Ctx({}))
        # The server restarts with a CRL that revokes site-2; site-2 re-attaches with its old token.
        second = self.make_guard(self.ca.crl(revoked=[(0x52, KEY_COMPROMISE)], number=2))
        with self.assertLogs(LOGGER, "ERROR"):
            restarted = self.install(second)
        outcome, _ = restarted.cell.core_cell.deliver(heartbeat_message("site-2", token))
        self.assertEqual(outcome, "dropped")

    def test_an_unknown_token_is_reported_once_and_refused_on_request(self):
        warn = self.make_guard()
        core = self.install(warn).cell.core_cell
        with self.assertLogs(LOGGER, "WARNING") as logs:
            self.assertEqual(core.deliver(heartbeat_message("site-4", "t-4"))[0], "handled")
            self.assertEqual(core.deliver(heartbeat_message("site-4", "t-4"))[0], "handled")
            logging.getLogger(LOGGER).warning("end")
        self.assertEqual(sum("never saw issued" in line for line in logs.output), 1)
        strict = self.make_guard(unknown_tokens="refuse")
        core = self.install(strict).cell.core_cell
        with self.assertLogs(LOGGER, "WARNING"):
            self.assertEqual(core.deliver(heartbeat_message("site-4", "t-4"))[0], "dropped")

    def test_an_unreadable_state_file_is_ignored_with_a_warning(self):
        with open(self.state_path, "w") as f:
            f.write("{not json")
        with self.assertLogs(LOGGER, "WARNING") as logs:
            self.install(self.make_guard())
        self.assertTrue(any("ignoring unreadable state file" in line for line in logs.output))


class ModuleTest(unittest.TestCase):
    def test_default_paths_are_relative_to_the_workspace_holding_local_custom(self):
        self.assertEqual(guard_module.DEFAULT_CRL_FILE, "local/custom/flare_provision_crl.pem")
        self.assertEqual(guard_module.DEFAULT_ROOT_CA_FILE, "startup/rootCA.pem")


if __name__ == "__main__":
    unittest.main()
