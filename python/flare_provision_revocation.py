# Copyright (c) flare-provision contributors. Licensed under the Apache License, Version 2.0.
"""Revocation guard for an NVIDIA FLARE server, installed by ``nvflare kit crl install``.

The server's parent process builds this component from
``local/flare_provision_revocation__p_resources.json`` (NVFlare appends the ``components`` of
every ``local/*__p_resources.json`` to those of ``resources.json``) and imports it from
``local/custom/``, which the server puts on ``sys.path`` before it builds components.

What it does (docs/security.md, "Revocation in the running federation"):

* At construction it loads the CRL and verifies it against the kit's own
  ``startup/rootCA.pem``: issuer, signature, a CRL number, no delta/partitioned/indirect CRL,
  no unknown critical extension. A CRL it cannot use stops the server from starting
  (fail closed: a guard that silently admits everyone is worse than no server).
* At SYSTEM_BOOTSTRAP it wraps the server's registration handler (cell channel "task", topic
  "register"). Every registration -- clients, relays and admin sessions, over grpc, tcp or
  http, whatever the connection security -- carries the participant's certificate, which
  NVFlare then verifies (chain to the root, CN, a signature over the server's nonce). The
  wrapper refuses, before NVFlare issues a token, any certificate of the root whose serial the
  CRL lists, and logs the client, serial and reason.
* It reloads the CRL when the file changes (checked on every registration and every
  ``poll_interval`` seconds), keeps the last good CRL when the new file is unusable or older
  (lower CRL number), and cuts participants whose registration it saw when their certificate
  becomes revoked: NVFlare's own dead-client path for regular clients, and every later message
  carrying their token is dropped at the server's cell.
* It remembers (by SHA-256 of the token, never the token) which certificate each token was
  issued for, in the workspace, because NVFlare tokens outlive a server restart: a client
  re-attaches with its old token through heartbeats without registering again.

It needs only what the NVFlare server already has installed (``cryptography``).
"""

import hashlib
import json
import os
import tempfile
import threading
import time
from datetime import datetime, timezone

from cryptography import x509

from nvflare.apis.event_type import EventType
from nvflare.apis.fl_component import FLComponent
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
from nvflare.private.defs import CellMessageHeaderKeys

GUARD = "flare-provision revocation guard"
DEFAULT_CRL_FILE = "local/custom/flare_provision_crl.pem"
DEFAULT_ROOT_CA_FILE = "startup/rootCA.pem"
DEFAULT_STATE_FILE = "flare_provision_revocation_state.json"
MAX_CRL_BYTES = 16 * 1024 * 1024
MAX_STATE_ENTRIES = 10000
STATE_FORMAT = 1
EXPIRY_WARNING_INTERVAL = 3600.0

# RFC 5280 section 5.2 / 5.3 extensions that we read or may ignore; anything else critical
# makes the CRL unusable.
_UNDERSTOOD_CRL_EXTENSIONS = {"2.5.29.35", "2.5.29.18", "2.5.29.20", "2.5.29.46", "1.3.6.1.5.5.7.1.1"}
_UNDERSTOOD_ENTRY_EXTENSIONS = {"2.5.29.21", "2.5.29.24", "2.5.29.23"}
_DELTA_CRL_INDICATOR = "2.5.29.27"
_ISSUING_DISTRIBUTION_POINT = "2.5.29.28"
_CERTIFICATE_ISSUER = "2.5.29.29"
_CRL_NUMBER = "2.5.29.20"
_REASON_CODE = "2.5.29.21"

# Only participants send these: a token there that no registration of ours issued was issued
# before the guard saw it (re-attached after a server restart, or before the guard existed).
_PARTICIPANT_TRAFFIC = {(CellChannel.SERVER_MAIN, CellChannelTopic.HEART_BEAT)}

_checked = threading.local()


class CrlError(Exception):
    """A CRL (or the root it is checked against) that cannot be used; the message says why."""


def _utc(obj, name):
    """A datetime attribute of a cryptography object as an aware UTC datetime (old and new APIs)."""
    aware = getattr(obj, name + "_utc", None)
    if aware is not None:
        return aware
    naive = getattr(obj, name)
    return None if naive is None else naive.replace(tzinfo=timezone.utc)


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else "none"


def _first_certificate(data):
    """The first PEM certificate in ``data``, as NVFlare takes the leaf of a presented chain."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, (bytes, bytearray)):
        raise ValueError(f"expected PEM bytes, got {type(data).__name__}")
    begin = data.find(b"-----BEGIN CERTIFICATE-----")
    end_marker = b"-----END CERTIFICATE-----"
    end = data.find(end_marker, begin)
    if begin < 0 or end < 0:
        raise ValueError("no PEM certificate found")
    return x509.load_pem_x509_certificate(bytes(data[begin : end + len(end_marker)]))


def token_digest(token):
    """SHA-256 hex of a token: tokens are bearer credentials and are never logged or stored."""
    return hashlib.sha256(str(token).encode("utf-8")).hexdigest()


class Crl:
    """A verified CRL: its number, dates and revoked serials (serial -> (date, reason))."""

    def __init__(self, number, issuer, this_update, next_update, revoked, digest):
        self.number = number
        self.issuer = issuer
        self.this_update = this_update
        self.next_update = next_update
        self.revoked = revoked
        self.digest = digest

    def lookup(self, serial):
        """``(revocation date, reason)`` when ``serial`` is revoked, else None."""
        return self.revoked.get(serial)

    def describe(self):
        return (
            f"CRL number {self.number} of {self.issuer.rfc4514_string()} "
            f"(thisUpdate {_iso(self.this_update)}, nextUpdate {_iso(self.next_update)}, "
            f"{len(self.revoked)} revoked serial(s))"
        )


def load_crl(crl_path, root_path):
    """Reads and verifies the CRL at ``crl_path`` against the root CA at ``root_path``.

    Raises CrlError naming the file and the reason. The rules are those of
    ``kit crl install`` (src/core/crl/verify-crl.ts).
    """
    try:
        with open(root_path, "rb") as f:
            root_data = f.read(MAX_CRL_BYTES)
    except OSError as e:
        raise CrlError(f"cannot read the root CA {root_path}: {e.strerror or e}")
    try:
        root = _first_certificate(root_data)
    except ValueError as e:
        raise CrlError(f"the root CA {root_path} is not a PEM certificate: {e}")
    try:
        with open(crl_path, "rb") as f:
            data = f.read(MAX_CRL_BYTES + 1)
    except OSError as e:
        raise CrlError(f"cannot read the CRL {crl_path}: {e.strerror or e}")
    if len(data) > MAX_CRL_BYTES:
        raise CrlError(f"the CRL {crl_path} is larger than {MAX_CRL_BYTES} bytes")
    try:
        if b"-----BEGIN X509 CRL-----" in data:
            crl = x509.load_pem_x509_crl(data)
        else:
            crl = x509.load_der_x509_crl(data)
    except ValueError as e:
        raise CrlError(f"the CRL {crl_path} is not a PEM or DER CRL: {e}")
    if crl.issuer != root.subject:
        raise CrlError(
            f"the CRL {crl_path} was issued by {crl.issuer.rfc4514_string()}, "
            f"not by the root CA {root.subject.rfc4514_string()}"
        )
    if not crl.is_signature_valid(root.public_key()):
        raise CrlError(f"the signature of the CRL {crl_path} does not verify with the root CA key")
    number = None
    for ext in crl.extensions:
        oid = ext.oid.dotted_string
        if oid == _DELTA_CRL_INDICATOR:
            raise CrlError(f"the CRL {crl_path} is a delta CRL, which is not supported")
        if oid == _ISSUING_DISTRIBUTION_POINT:
            raise CrlError(f"the CRL {crl_path} is a partitioned CRL (issuingDistributionPoint), not supported")
        if ext.critical and oid not in _UNDERSTOOD_CRL_EXTENSIONS:
            raise CrlError(f"the CRL {crl_path} has the unknown critical extension {oid}")
        if oid == _CRL_NUMBER:
            number = ext.value.crl_number
    if number is None:
        raise CrlError(f"the CRL {crl_path} has no CRL number (RFC 5280 section 5.2.3)")
    revoked = {}
    for entry in crl:
        reason = "unspecified"
        for ext in entry.extensions:
            oid = ext.oid.dotted_string
            if oid == _CERTIFICATE_ISSUER:
                raise CrlError(f"the CRL {crl_path} is an indirect CRL (certificateIssuer), not supported")
            if ext.critical and oid not in _UNDERSTOOD_ENTRY_EXTENSIONS:
                raise CrlError(f"entry {entry.serial_number:#x} of {crl_path} has the unknown critical extension {oid}")
            if oid == _REASON_CODE:
                reason = ext.value.reason.value
        revoked[entry.serial_number] = (_utc(entry, "revocation_date"), reason)
    return Crl(
        number=number,
        issuer=crl.issuer,
        this_update=_utc(crl, "last_update"),
        next_update=_utc(crl, "next_update"),
        revoked=revoked,
        digest=hashlib.sha256(data).hexdigest(),
    )


def _file_signature(path):
    """What tells a changed file: mtime, size, inode and device (a rename gives a new inode)."""
    try:
        st = os.stat(path)
    except OSError as e:
        return ("unreadable", e.errno)
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_dev)


def _workspace_root():
    """The server workspace: this file is ``<workspace>/local/custom/flare_provision_revocation.py``."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class RevocationGuard(FLComponent):
    def __init__(
        self,
        crl_file=DEFAULT_CRL_FILE,
        root_ca_file=DEFAULT_ROOT_CA_FILE,
        poll_interval=10.0,
        state_file=DEFAULT_STATE_FILE,
        unknown_tokens="warn",
    ):
        """Refuses revoked participants at the server (see the module docstring).

        Args:
            crl_file: the CRL (PEM or DER), relative to the workspace root or absolute.
            root_ca_file: the root CA that must issue and sign the CRL, likewise.
            poll_interval: seconds between two checks of the CRL file for a new version.
            state_file: where token digests and their certificate serials are kept, likewise.
            unknown_tokens: "warn" (log once) or "refuse" (drop) for heartbeats carrying a
                token whose registration the guard never saw.

        Raises:
            UnsafeComponentError: the CRL cannot be used; the server does not start.
        """
        super().__init__()
        base = _workspace_root()
        self.crl_path = crl_file if os.path.isabs(crl_file) else os.path.join(base, crl_file)
        self.root_path = root_ca_file if os.path.isabs(root_ca_file) else os.path.join(base, root_ca_file)
        self.state_path = state_file if os.path.isabs(state_file) else os.path.join(base, state_file)
        self._state_is_default = not os.path.isabs(state_file)
        self._state_relative = state_file
        if not isinstance(poll_interval, (int, float)) or isinstance(poll_interval, bool) or poll_interval <= 0:
            raise UnsafeComponentError(f"{GUARD}: poll_interval must be a number > 0, not {poll_interval!r}")
        if unknown_tokens not in ("warn", "refuse"):
            raise UnsafeComponentError(f"{GUARD}: unknown_tokens must be 'warn' or 'refuse', not {unknown_tokens!r}")
        self.poll_interval = float(poll_interval)
        self.unknown_tokens = unknown_tokens
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._server = None
        self._original = None
        self._installed = False
        self._records = {}  # token digest -> {"name", "type", "serial", "at"}
        self._cut = frozenset()  # token digests whose certificate is revoked
        self._logged_drops = set()
        self._logged_unknown = set()
        self._bad_signature = None
        self._last_expiry_warning = 0.0
        self._crl_signature = _file_signature(self.crl_path)
        try:
            self._crl = load_crl(self.crl_path, self.root_path)
        except CrlError as e:
            self.logger.critical(f"{GUARD}: refusing to start the server: {e}")
            raise UnsafeComponentError(f"{GUARD}: {e}") from None
        self.logger.info(f"{GUARD}: loaded {self._crl.describe()} from {self.crl_path}")
        self._warn_if_stale(force=True)

    # -- events -------------------------------------------------------------------------

    def handle_event(self, event_type, fl_ctx):
        if event_type == EventType.SYSTEM_BOOTSTRAP:
            self._install(fl_ctx)
        elif event_type == EventType.CLIENT_REGISTER_RECEIVED:
            # Backstop: a registration that did not pass our wrapper was not checked.
            if not getattr(_checked, "active", False):
                self.logger.error(f"{GUARD}: refused a registration that reached the server before the guard checked it")
                raise NotAuthenticated("the revocation guard did not check this registration")
        elif event_type == EventType.SYSTEM_END:
            self._stop.set()

    def _install(self, fl_ctx):
        server = fl_ctx.get_prop(FLContextKey.SITE_OBJ)
        core = getattr(getattr(server, "cell", None), "core_cell", None)
        registry = getattr(core, "req_reg", None)
        original = registry.find(CellChannel.SERVER_MAIN, CellChannelTopic.Register) if registry else None
        if (
            original is None
            or not callable(getattr(original, "cb", None))
            or not callable(getattr(core, "register_request_cb", None))
            or not callable(getattr(core, "add_incoming_filter", None))
        ):
            msg = f"{GUARD}: cannot find the server's registration handler; revocation cannot be enforced"
            self.logger.critical(msg)
            # NVFlare stops the server when a SYSTEM_BOOTSTRAP handler raises this.
            raise UnsafeComponentError(msg)
        workspace = fl_ctx.get_prop(FLContextKey.WORKSPACE_OBJECT)
        if self._state_is_default and workspace is not None and hasattr(workspace, "get_root_dir"):
            self.state_path = os.path.join(workspace.get_root_dir(), self._state_relative)
        with self._lock:
            self._server = server
            self._original = original
            self._load_state()
            core.register_request_cb(CellChannel.SERVER_MAIN, CellChannelTopic.Register, self._guarded_register)
            core.add_incoming_filter("*", "*", self._filter_message)
            self._installed = True
            self._apply_cuts()
        threading.Thread(target=self._poll, name="flare-provision-crl-poll", daemon=True).start()
        self.logger.info(
            f"{GUARD}: checking every registration against {self._crl.describe()}; "
            f"re-reading {self.crl_path} every {self.poll_interval:g}s"
        )

    # -- registration -------------------------------------------------------------------

    def _secure_mode(self):
        engine = getattr(self._server, "engine", None)
        if engine is None:
            return False
        with engine.new_context() as ctx:
            return bool(ctx.get_prop(FLContextKey.SECURE_MODE, False))

    def _guarded_register(self, message, *args, **kwargs):
        name = message.get_header(CellMessageHeaderKeys.CLIENT_NAME) or "?"
        kind = message.get_header(CellMessageHeaderKeys.CLIENT_TYPE) or "regular"
        self.refresh()
        refusal, serial = self._check(message, name, kind)
        if refusal:
            return make_reply(ReturnCode.UNAUTHENTICATED, error=refusal)
        _checked.active = True
        try:
            reply = self._original.cb(message, *self._original.args, **self._original.kwargs)
        finally:
            _checked.active = False
        token = None
        if reply is not None and reply.get_header(MessageHeaderKey.RETURN_CODE) in (None, ReturnCode.OK):
            payload = reply.payload
            if isinstance(payload, dict):
                token = payload.get(CellMessageHeaderKeys.TOKEN)
        if token and serial is not None:
            self._record(token_digest(token), name, kind, serial)
        return reply

    def _check(self, message, name, kind):
        """``(refusal text or None, certificate serial or None)`` for one registration."""
        if not self._secure_mode():
            text = "the server runs without secure_train: registrations carry no verified certificate"
            self.logger.critical(f"{GUARD}: refused registration of {kind} '{name}': {text}")
            return f"revocation cannot be checked: {text}", None
        payload = message.payload
        cert_data = payload.get(IdentityChallengeKey.CERT) if isinstance(payload, dict) else None
        if not cert_data:
            # NVFlare refuses a secure registration without a certificate itself.
            return None, None
        try:
            cert = _first_certificate(cert_data)
        except ValueError as e:
            self.logger.error(f"{GUARD}: refused registration of {kind} '{name}': unreadable certificate: {e}")
            return "the presented certificate cannot be read", None
        crl = self._crl
        if cert.issuer != crl.issuer:
            # Not issued by the root directly: this CRL does not speak for it. NVFlare's own chain
            # check still applies; our CA issues no intermediates.
            self.logger.warning(
                f"{GUARD}: certificate of {kind} '{name}' (serial {cert.serial_number:#x}) is issued by "
                f"{cert.issuer.rfc4514_string()}, which this CRL does not cover"
            )
            return None, None
        hit = crl.lookup(cert.serial_number)
        if hit is None:
            return None, cert.serial_number
        when, reason = hit
        text = (
            f"certificate serial {cert.serial_number:#x} (subject {cert.subject.rfc4514_string()}) "
            f"is revoked since {_iso(when)}, reason {reason}, by CRL number {crl.number}"
        )
        self.logger.error(f"{GUARD}: refused registration of {kind} '{name}': {text}")
        return f"registration refused: {text}", cert.serial_number

    # -- cutting registered participants ------------------------------------------------

    def _filter_message(self, message, *args, **kwargs):
        token = message.get_header(CellMessageHeaderKeys.TOKEN)
        if not token:
            return None
        digest = token_digest(token)
        if digest in self._cut:
            if digest not in self._logged_drops:
                self._logged_drops.add(digest)
                record = self._records.get(digest, {})
                self.logger.error(
                    f"{GUARD}: dropping traffic of {record.get('type', '?')} '{record.get('name', '?')}': "
                    f"its certificate serial {record.get('serial', '?')} is revoked"
                )
            return make_reply(ReturnCode.UNAUTHENTICATED, error="certificate revoked")
        key = (message.get_header(MessageHeaderKey.CHANNEL), message.get_header(MessageHeaderKey.TOPIC))
        if key in _PARTICIPANT_TRAFFIC and digest not in self._records:
            name = message.get_header(CellMessageHeaderKeys.CLIENT_NAME) or "?"
            if digest not in self._logged_unknown:
                self._logged_unknown.add(digest)
                self.logger.warning(
                    f"{GUARD}: '{name}' uses a token this guard never saw issued (it registered before the "
                    f"guard ran, or the state file {self.state_path} was lost); its certificate cannot be "
                    "checked until it registers again (restart that client)"
                    + ("; its traffic is dropped (unknown_tokens=refuse)" if self.unknown_tokens == "refuse" else "")
                )
            if self.unknown_tokens == "refuse":
                return make_reply(ReturnCode.UNAUTHENTICATED, error="unknown token: register again")
        return None

    def _record(self, digest, name, kind, serial):
        with self._lock:
            self._records[digest] = {
                "name": name,
                "type": kind,
                "serial": f"{serial:#x}",
                "at": _iso(datetime.now(timezone.utc)),
            }
            while len(self._records) > MAX_STATE_ENTRIES:
                self._records.pop(next(iter(self._records)))
            self._save_state()

    def _apply_cuts(self):
        """Marks every recorded token whose serial is revoked, and logs the new ones out."""
        with self._lock:
            crl = self._crl
            cut = set()
            for digest, record in self._records.items():
                try:
                    serial = int(record["serial"], 16)
                except (KeyError, TypeError, ValueError):
                    continue
                hit = crl.lookup(serial)
                if hit is None:
                    continue
                cut.add(digest)
                if digest not in self._cut:
                    self.logger.error(
                        f"{GUARD}: cutting {record.get('type', '?')} '{record.get('name', '?')}' "
                        f"(registered {record.get('at', '?')}): certificate serial {record['serial']} is revoked "
                        f"since {_iso(hit[0])}, reason {hit[1]}, by CRL number {crl.number}"
                    )
            self._cut = frozenset(cut)
        self._logout_cut_clients()

    def _logout_cut_clients(self):
        server = self._server
        manager = getattr(server, "client_manager", None)
        clients = getattr(manager, "clients", None)
        if not isinstance(clients, dict):
            return
        for token, client in list(clients.items()):
            if token_digest(token) not in self._cut:
                continue
            try:
                # NVFlare's dead-client path: token dropped, admin view updated, running jobs told.
                server.logout_client(token)
                self.logger.error(f"{GUARD}: logged out client '{getattr(client, 'name', '?')}'")
            except Exception as e:  # noqa: BLE001 - keep cutting the others
                self.logger.error(f"{GUARD}: could not log out client '{getattr(client, 'name', '?')}': {e}")

    # -- CRL reload -----------------------------------------------------------------------

    def refresh(self):
        """Reloads the CRL if its file changed; keeps the last good CRL when the new one is unusable."""
        signature = _file_signature(self.crl_path)
        with self._lock:
            if signature == self._crl_signature or signature == self._bad_signature:
                self._warn_if_stale()
                return False
            try:
                crl = load_crl(self.crl_path, self.root_path)
                if crl.number < self._crl.number:
                    raise CrlError(
                        f"its CRL number {crl.number} is lower than the loaded CRL's {self._crl.number} (a rollback)"
                    )
            except CrlError as e:
                self._bad_signature = signature
                self.logger.error(f"{GUARD}: keeping CRL number {self._crl.number}: the new {self.crl_path} is refused: {e}")
                return False
            previous = self._crl.number
            self._crl = crl
            self._crl_signature = signature
            self._bad_signature = None
            self.logger.info(f"{GUARD}: reloaded {crl.describe()} (was CRL number {previous})")
            self._warn_if_stale(force=True)
        if self._installed:
            self._apply_cuts()
        return True

    def _warn_if_stale(self, force=False):
        crl = self._crl
        if crl.next_update is None or crl.next_update >= datetime.now(timezone.utc):
            return
        now = time.monotonic()
        if not force and now - self._last_expiry_warning < EXPIRY_WARNING_INTERVAL:
            return
        self._last_expiry_warning = now
        # A stale CRL still revokes what it lists; refusing everyone would lock the federation out.
        self.logger.warning(
            f"{GUARD}: CRL number {crl.number} is past its nextUpdate {_iso(crl.next_update)}; still enforcing it. "
            "Install a fresh CRL with 'nvflare kit crl install'."
        )

    def _poll(self):
        while not self._stop.wait(self.poll_interval):
            try:
                self.refresh()
            except Exception as e:  # noqa: BLE001 - the poller must outlive a bad moment
                self.logger.error(f"{GUARD}: CRL check failed: {e}")

    # -- state ----------------------------------------------------------------------------

    def _load_state(self):
        try:
            with open(self.state_path, "r", encoding="utf-8") as f:
                doc = json.load(f)
        except FileNotFoundError:
            return
        except (OSError, ValueError) as e:
            self.logger.warning(f"{GUARD}: ignoring unreadable state file {self.state_path}: {e}")
            return
        entries = doc.get("tokens") if isinstance(doc, dict) and doc.get("format") == STATE_FORMAT else None
        if not isinstance(entries, dict):
            self.logger.warning(f"{GUARD}: ignoring state file {self.state_path} of an unknown format")
            return
        for digest, record in entries.items():
            if isinstance(record, dict) and isinstance(record.get("serial"), str):
                self._records[digest] = record
        self.logger.info(f"{GUARD}: remembered {len(self._records)} token(s) from {self.state_path}")

    def _save_state(self):
        doc = {"format": STATE_FORMAT, "tokens": self._records}
        folder = os.path.dirname(self.state_path) or "."
        try:
            fd, temp = tempfile.mkstemp(prefix=".flare_provision_state.", dir=folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(doc, f, indent=1, sort_keys=True)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(temp, self.state_path)
            except BaseException:
                try:
                    os.unlink(temp)
                except OSError:
                    pass
                raise
        except OSError as e:
            self.logger.error(f"{GUARD}: cannot write the state file {self.state_path}: {e}")
