#!/usr/bin/env python3
"""Checks a tamga evidence package (docs/act-format.md section 14.6) without tamga's code.

    python3 scripts/check-evidence.py FILE [--authority ROOT_KEY_HEX] [--json]
    python3 scripts/check-evidence.py --vectors

One package: exactly the checks section 14.6 lists.

1. `format` is `tamga-evidence/1`, and `authority` is the root key trusted (`--authority`; without
   it the key the file names is used, and the script says to compare its fingerprint with the
   customs authority's published one);
2. the checkpoint parses (section 14.4), its key hash included;
3. every item of `registry` and `acts`: the receipt's `act` is the id of the envelope's body, its
   `size` the checkpoint's, its path leads from the leaf to the checkpoint's root (RFC 9162
   section 2.1.3.2) and its `seen` is no later than the checkpoint's time;
4. the registry acts are judged as section 9 says (the root, or a registrar the root enrolled, in
   force and not revoked at the act's `at`; no registrar enrolling a registrar; no enrollment
   before its act without `migrated_from`);
5. the checkpoint's signature (strict Ed25519 over the note text) and its key: enrolled with role
   `transparency_log`, in force at the head's time and not revoked;
6. every act names the package's consignment, and each signature verifies by a key enrolled by a
   registry act that holds, in force at the act's `at` and not revoked at or before it;
7. every act is read as tamga's decoder reads it: the envelope's members, exactly the members its
   kind has with each value's type and grammar (sections 3 and 4: no unknown member, none
   missing, an absent optional member left out rather than null), the content rules of section
   5, and the signers and their order (section 7). A validly signed and received act that
   breaks any of them is refused.

It prints each act (kind, time, when central first saw it, its signers as enrolled, OK or what
is wrong) and the two flags of section 14.6 (first seen later than `offline_allowance_seconds`
after its time; dated before its signer's revocation but first seen at or after it), then
`VERIFIED` or `REFUSED: <reason>`; `--json` prints the same as one JSON object.
Exit status: 0 verified, 1 refused, 2 bad usage or a file that cannot be read.

--vectors: tests/vectors/log.json (leaf entries and hashes, roots, inclusion and consistency
proofs, the signed tree head under its key's enrollment, and every refused head and proof is
refused) and every package of tests/vectors/evidence/expected.json gets its verdict and number of
flags. Exit status 1 on any mismatch.

RFC 8785, act ids, strict Ed25519 and the registry's rules come from scripts/check-vectors.py.
Signatures need the `cryptography` package. Without it the vectors' hash checks still run (and
the script exits 0 if they hold), but a package is never said to be VERIFIED.
"""

import argparse
import base64
import hashlib
import importlib.util
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "tests", "vectors")


def _load_check_vectors():
    """scripts/check-vectors.py as a module, leaving no bytecode cache beside it."""
    path = os.path.join(HERE, "check-vectors.py")
    spec = importlib.util.spec_from_file_location("check_vectors", path)
    module = importlib.util.module_from_spec(spec)
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = writes_bytecode
    return module


cv = _load_check_vectors()

FORMAT = "tamga-evidence/1"
MAX_PACKAGE_BYTES = 64 * 1024 * 1024
MAX_CHECKPOINT_BYTES = 4096
MAX_SIGNATURE_LINES = 8
MAX_PROOF_HASHES = 64
ORIGIN_PREFIX = "tamga.customs/log/"
DASH = "\u2014 "
U64 = 2**64

HEX64 = re.compile(r"[0-9a-f]{64}")
HEX128 = re.compile(r"[0-9a-f]{128}")
TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")
CONSIGNMENT_ID = re.compile(r"[A-Z0-9_./-]{1,64}")
DECIMAL_SIZE = re.compile(r"0|[1-9][0-9]*")

CONSIGNMENT_KINDS = (
    "consignment_registered", "seal_applied", "seal_checked", "seal_removed", "seal_replaced",
    "escort_assigned", "custody_transferred", "incident_reported", "position_reported",
    "arrival_notified", "consignment_delivered", "discrepancy_resolved", "permission_granted",
    "act_corrected", "escort_changed", "deadline_extended", "incident_followed_up",
    "delivery_refused", "consignment_returned", "department_notified", "expertise_concluded",
    "state_control_act_drawn", "certificates_issued", "kpc_returned", "kp_coupon_returned",
    "seal_events_reported",
)
REGISTRY_KINDS = cv.REGISTRY_KINDS


class Refused(Exception):
    """What makes a value unusable, in words for the reader."""


# ------------------------------------------------------------------------------------------------
# Small values
# ------------------------------------------------------------------------------------------------


def sha256(data):
    return hashlib.sha256(data).digest()


def fingerprint(key_hex):
    """A key's fingerprint as tamga prints it: its first 16 hex digits in groups of four."""
    return "-".join(key_hex[i:i + 4] for i in range(0, 16, 4))


def is_int(value, limit=U64):
    return type(value) is int and 0 <= value < limit


def is_key(value):
    return isinstance(value, str) and HEX64.fullmatch(value) is not None


def days_from_civil(y, m, d):
    """Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_time(text):
    """Seconds since 1970-01-01T00:00:00Z of a format time (section 3), or None."""
    match = TIME.fullmatch(text) if isinstance(text, str) else None
    if not match:
        return None
    y, mo, d, h, mi, s = (int(g) for g in match.groups())
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    days_in_month = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if not (1 <= mo <= 12 and 1 <= d <= days_in_month[mo - 1] and h < 24 and mi < 60 and s < 60):
        return None
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s


def describe_duration(seconds):
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = ["%d d" % days] if days else []
    parts += ["%d h" % hours] if hours else []
    parts += ["%d min" % minutes] if minutes or not parts else []
    return " ".join(parts)


# ------------------------------------------------------------------------------------------------
# The log's Merkle tree (RFC 6962 section 2.1, RFC 9162 section 2.1)
# ------------------------------------------------------------------------------------------------


def leaf_entry(act_id, seen):
    return act_id + seen.to_bytes(8, "big")


def leaf_hash(entry):
    return sha256(b"\x00" + entry)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def split(n):
    """The largest power of two strictly below n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def tree_root(leaves):
    """MTH(D[0:n]) of leaf hashes, as RFC 9162 section 2.1.1 defines it."""
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(tree_root(leaves[:k]), tree_root(leaves[k:]))


def inclusion_path(m, leaves):
    """RFC 6962's PATH(m, D[n]), leaf first."""
    if len(leaves) <= 1:
        return []
    k = split(len(leaves))
    if m < k:
        return inclusion_path(m, leaves[:k]) + [tree_root(leaves[k:])]
    return inclusion_path(m - k, leaves[k:]) + [tree_root(leaves[:k])]


def consistency_path(m, leaves, whole=True):
    """RFC 6962's SUBPROOF(m, D[n], whole); PROOF(m, D[n]) is whole=True."""
    n = len(leaves)
    if m == n:
        return [] if whole else [tree_root(leaves)]
    k = split(n)
    if m <= k:
        return consistency_path(m, leaves[:k], whole) + [tree_root(leaves[k:])]
    return consistency_path(m - k, leaves[k:], False) + [tree_root(leaves[:k])]


def verify_inclusion(leaf, index, size, path, root):
    """None if `path` proves `leaf` is leaf `index` of the tree of `size` leaves whose root is
    `root` (RFC 9162 section 2.1.3.2), else why not."""
    if index >= size:
        return "leaf %d is not in a tree of %d leaves" % (index, size)
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return "the inclusion proof is longer than the tree is deep"
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return "the inclusion proof is shorter than the tree is deep"
    if r != root:
        return "the inclusion proof does not lead to the tree head's root"
    return None


def verify_consistency(old, new, old_root, new_root, path):
    """None if the tree of `new` leaves extends the tree of `old` leaves (RFC 9162 section
    2.1.4.2), else why not."""
    if old > new:
        return "a tree of %d leaves cannot extend one of %d" % (new, old)
    if old == new:
        if path:
            return "a proof between trees of one size must be empty"
        return None if old_root == new_root else "two trees of %d leaves with different roots" % old
    if old == 0:
        return None if not path else "a proof from the empty tree must be empty"
    if not path:
        return "the consistency proof is empty"
    proof = ([old_root] if old & (old - 1) == 0 else []) + list(path)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return "the consistency proof is longer than the tree is deep"
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return "the consistency proof is shorter than the tree is deep"
    if fr != old_root or sr != new_root:
        return "the tree of %d leaves does not extend the tree of %d" % (new, old)
    return None


# ------------------------------------------------------------------------------------------------
# Signed tree heads (section 14.4)
# ------------------------------------------------------------------------------------------------


def strict_base64(text):
    """The bytes of standard base64 with padding, in its one spelling, or None."""
    try:
        data = base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        return None
    return data if base64.b64encode(data).decode("ascii") == text else None


def key_hash(name, key):
    return sha256(name.encode("utf-8") + b"\x0a\x01" + key)[:4]


def parse_checkpoint(text):
    """The head a checkpoint states: {log_key, size, root, time, time_text, signature, note}.
    Raises Refused when it is not a tamga tree head in its one spelling."""

    def bad(why):
        return Refused("the checkpoint is not a tamga tree head: " + why)

    if not isinstance(text, str):
        raise bad("not a string")
    if len(text.encode("utf-8")) > MAX_CHECKPOINT_BYTES:
        raise bad("longer than 4096 bytes")
    note, blank, signatures = text.partition("\n\n")
    if not blank:
        raise bad("no blank line before the signatures")
    lines = note.split("\n")
    if len(lines) != 4:
        raise bad("the note must have four lines: origin, size, root, time")
    origin, size_text, root_text, time_line = lines
    if not origin.startswith(ORIGIN_PREFIX) or not is_key(origin[len(ORIGIN_PREFIX):]):
        raise bad("the origin is not tamga.customs/log/<log key id>")
    log_key = origin[len(ORIGIN_PREFIX):]
    if not DECIMAL_SIZE.fullmatch(size_text) or int(size_text) >= U64:
        raise bad("the size is not a decimal number below 2^64")
    root = strict_base64(root_text)
    if root is None or len(root) != 32:
        raise bad("the root is not 32 bytes in standard base64")
    time = parse_time(time_line[5:]) if time_line.startswith("time ") else None
    if time is None:
        raise bad('the fourth line must be "time YYYY-MM-DDTHH:MM:SSZ"')
    if not signatures.endswith("\n"):
        raise bad("the signatures must end with a line feed")
    sig_lines = signatures[:-1].split("\n")
    if len(sig_lines) > MAX_SIGNATURE_LINES:
        raise bad("too many signature lines")
    signature = None
    for line in sig_lines:
        if not line.startswith(DASH):
            raise bad("a signature line must start with an em dash and a space")
        signer, space, sig_text = line[len(DASH):].rpartition(" ")
        if not space:
            raise bad("a signature line names its key and gives the signature")
        if signer != origin:
            continue  # a witness's
        sig = strict_base64(sig_text)
        if sig is None:
            raise bad("the log key's signature is not standard base64")
        if len(sig) != 68 or sig[:4] != key_hash(origin, bytes.fromhex(log_key)):
            raise bad("the signature's key hash is not the log key's")
        if signature is not None:
            raise bad("the log key signs twice")
        signature = sig[4:]
    if signature is None:
        raise bad("no signature by the log key")
    return {
        "log_key": log_key,
        "size": int(size_text),
        "root": root,
        "time": time,
        "time_text": time_line[5:],
        "signature": signature,
        "note": note + "\n",
    }


def head_signature_holds(head):
    """True, False, or None when it cannot be checked here (no `cryptography`)."""
    note = head["note"].encode("utf-8")
    return cv.signature_holds(head["log_key"], head["signature"].hex(), note)


# ------------------------------------------------------------------------------------------------
# Acts: their form, id and signatures (sections 2 to 8)
# ------------------------------------------------------------------------------------------------


def read_act(envelope):
    """An envelope read as tamga's decoder reads a signed act (section 8), but for its canonical
    bytes: a dict {id, body, kind, at, signatures, problems}. The envelope and its signatures'
    form; the body's kind, then exactly the members its kind has, each of its type (sections 3
    and 4); the content rules (section 5); the signers and their order (section 7). `problems`
    holds the first fault found, or is empty; when the body is not readable at all, `id` is
    None."""
    act = {"id": None, "body": None, "kind": "?", "at": None, "at_text": "?", "signatures": [],
           "problems": []}

    def fault(text):
        act["problems"].append(text)
        return act

    if not isinstance(envelope, dict):
        return fault("the act is not a JSON object")
    for member in sorted(set(envelope) - {"body", "signatures"}):
        return fault("the envelope has a member %r the format does not have" % member)
    body, signatures = envelope.get("body"), envelope.get("signatures")
    if not isinstance(body, dict):
        return fault("the envelope has no body")
    act["body"] = body
    act["id"] = sha256(cv.jcs_bytes(body)).hex()
    kind = body.get("kind")
    if kind not in CONSIGNMENT_KINDS + REGISTRY_KINDS:
        return fault("the body's kind %r is not an act kind of the format" % (kind,))
    act["kind"] = kind
    act["at_text"] = body.get("at") if isinstance(body.get("at"), str) else "?"
    act["at"] = parse_time(body.get("at"))
    if act["at"] is None:
        return fault("the body's at is not a time")
    if not isinstance(signatures, list) or not signatures:
        return fault("the envelope has no signatures")
    for s in signatures:
        if not isinstance(s, dict) or set(s) != {"key", "signature"}:
            return fault("a signature is not {key, signature}")
        signature = s["signature"]
        if not is_key(s["key"]) or not (isinstance(signature, str) and HEX128.fullmatch(signature)):
            return fault("a signature's key or bytes are not lower-case hex of the right length")
    act["signatures"] = signatures
    if len(cv.jcs_bytes(envelope)) > cv.MAX_ACT_BYTES:
        return fault("the act is larger than %d bytes" % cv.MAX_ACT_BYTES)
    # Exactly the members its kind has, each of its type (sections 3 and 4); only then the
    # content rules, which read those members.
    why = cv.body_fault(body)
    if why:
        return fault(why)
    for f in cv.content_faults(body)[:1]:
        return fault("breaks a content rule (section 5): %s" % f)
    order = cv.signer_fault(body, signatures)
    if order:
        return fault("its signatures are not by the signers its kind names, in order (%s)" % order)
    return act


def signature_results(act):
    """Each signature's result: True, False, or None when it cannot be checked here."""
    message = cv.SIGNATURE_CONTEXT + bytes.fromhex(act["id"])
    return [cv.signature_holds(s["key"], s["signature"], message) for s in act["signatures"]]


# ------------------------------------------------------------------------------------------------
# The registry (section 9)
# ------------------------------------------------------------------------------------------------


class Registry:
    """Enrollments and revocations of the registry acts that hold."""

    def __init__(self, root):
        self.root = root
        self.enrollments = {}  # key -> [enrolling body], by (valid_from, act id)
        self.revocations = {}  # key -> [(effective_from, act id)], earliest first

    def judge(self, acts):
        """Judges `acts` (id -> body, each with a verified signature) together; returns
        {id: verdict}, `holds` or a RegistryError code, and records what those that hold say."""
        verdicts = cv.registry_verdicts(self.root, acts)
        for act_id, body in sorted(acts.items()):
            if verdicts.get(act_id) != "holds":
                continue
            if body["kind"] == "key_enrolled":
                self.enrollments.setdefault(body["key"], []).append(dict(body, id=act_id))
            elif body["kind"] == "key_revoked":
                self.revocations.setdefault(body["key"], []).append(
                    (parse_time(body["effective_from"]), act_id)
                )
        for enrollments in self.enrollments.values():
            enrollments.sort(key=lambda e: (parse_time(e["valid_from"]), e["id"]))
        for revocations in self.revocations.values():
            revocations.sort()
        return verdicts

    def revoked_from(self, key):
        """When the key's earliest revocation takes effect, or None."""
        revocations = self.revocations.get(key)
        return revocations[0][0] if revocations else None

    def current(self, key, at):
        """The enrollments of `key` whose validity covers `at`."""
        return [
            e for e in self.enrollments.get(key, [])
            if parse_time(e["valid_from"]) <= at < parse_time(e["valid_until"])
        ]

    def signer_at(self, key, at):
        """(enrollment that names `key` for an act dated `at`, whether it was in force then):
        the latest in force at `at`, else the latest of all, else None."""
        enrollments = self.enrollments.get(key, [])
        current = self.current(key, at)
        if current:
            return current[-1], True
        return (enrollments[-1] if enrollments else None), False

    def fault_at(self, key, at, role=None):
        """Why `key` could not sign at `at` (in `role`, or one of the roles of a tuple, when
        given), or None (section 9)."""
        enrollments = self.enrollments.get(key, [])
        if not enrollments:
            return "%s is enrolled by no registry act that holds" % fingerprint(key)
        revoked = self.revoked_from(key)
        if revoked is not None and revoked <= at:
            return "%s was revoked from %s" % (fingerprint(key), format_time(revoked))
        current = self.current(key, at)
        if not current:
            return "no enrollment of %s covers %s" % (fingerprint(key), format_time(at))
        roles = (role,) if isinstance(role, str) else role
        if roles and not any(e["role"] in roles for e in current):
            return "%s is enrolled as %s, not %s, at %s" % (
                fingerprint(key), current[0]["role"], " or ".join(roles), format_time(at))
        return None


# Which roles may sign each kind of consignment act (docs/act-format.md section 9,
# tamga_core::registry::roles_allowed).
ROLES_ALLOWED = {
    "consignment_registered": ("post_officer", "precious_metals_officer"),
    "seal_applied": ("post_officer", "precious_metals_officer"),
    "escort_assigned": ("post_officer", "precious_metals_officer"),
    "seal_checked": ("post_officer", "escort_officer", "precious_metals_officer"),
    "seal_removed": ("post_officer", "escort_officer", "precious_metals_officer"),
    "seal_replaced": ("post_officer", "escort_officer", "precious_metals_officer"),
    "incident_reported": ("post_officer", "escort_officer", "precious_metals_officer"),
    "arrival_notified": ("post_officer", "escort_officer", "precious_metals_officer"),
    "custody_transferred": ("post_officer", "escort_officer", "precious_metals_officer"),
    "position_reported": ("escort_officer", "device"),
    "consignment_delivered": ("post_officer", "precious_metals_officer"),
    "discrepancy_resolved": ("central_staff", "supervisor"),
    "permission_granted": ("post_officer", "precious_metals_officer", "central_staff"),
    "escort_changed": ("post_officer", "precious_metals_officer", "central_staff"),
    "deadline_extended": ("post_officer", "precious_metals_officer", "central_staff"),
    "incident_followed_up": ("post_officer", "precious_metals_officer", "central_staff"),
    "act_corrected": ("post_officer", "escort_officer", "precious_metals_officer"),
    "delivery_refused": ("post_officer", "precious_metals_officer"),
    "consignment_returned": ("post_officer", "precious_metals_officer"),
    "department_notified": ("post_officer",),
    "expertise_concluded": ("precious_metals_officer",),
    "state_control_act_drawn": ("precious_metals_officer",),
    "certificates_issued": ("precious_metals_officer",),
    "kpc_returned": ("post_officer", "precious_metals_officer"),
    "kp_coupon_returned": ("post_officer", "precious_metals_officer"),
    "seal_events_reported": ("seal_operator",),
}


def signer_roles(act, key):
    """The roles `key` may sign `act` in: a resolution's second signature is a supervisor's
    (the two-person rule, section 9.2)."""
    if act["kind"] == "discrepancy_resolved" and act["body"].get("supervisor") == key:
        return ("supervisor",)
    return ROLES_ALLOWED.get(act["kind"], ())


def person(registry, key, at):
    """Who holds `key` at `at`: their personal number, else their name."""
    enrollment, _ = registry.signer_at(key, at)
    if enrollment is None:
        return None
    return enrollment["holder"].get("personal_number") or "name:" + enrollment["holder"]["name"]


def two_people_fault(registry, act):
    """A resolution signed twice by one person (section 9.2), or None."""
    body = act["body"]
    if act["kind"] != "discrepancy_resolved" or body.get("supervisor") is None:
        return None
    first = person(registry, body["officer"], act["at"])
    if first is not None and first == person(registry, body["supervisor"], act["at"]):
        return "%s and %s are held by one person: a critical discrepancy is closed by two" % (
            fingerprint(body["officer"]), fingerprint(body["supervisor"]))
    return None


def format_time(seconds):
    days, rest = divmod(seconds, 86400)
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y = yoe + era * 400 + (m <= 2)
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (y, m, d, rest // 3600, rest // 60 % 60, rest % 60)


def describe_signer(registry, key, at):
    enrollment, _ = registry.signer_at(key, at)
    if enrollment is None:
        return {"key": key, "fingerprint": fingerprint(key), "name": None, "role": None,
                "unit": None}
    return {
        "key": key,
        "fingerprint": fingerprint(key),
        "name": enrollment["holder"]["name"],
        "role": enrollment["role"],
        "unit": enrollment["unit"],
    }


def signer_text(signer):
    if signer["name"] is None:
        return "unknown key %s" % signer["fingerprint"]
    if not signer["unit"]:
        return "%s (%s)" % (signer["name"], signer["fingerprint"])
    return "%s (%s, %s)" % (signer["name"], signer["role"], signer["unit"])


# ------------------------------------------------------------------------------------------------
# The package (section 14.6)
# ------------------------------------------------------------------------------------------------

PACKAGE_MEMBERS = (
    "format", "consignment", "authority", "made_at", "offline_allowance_seconds", "checkpoint",
    "registry", "acts",
)
RECEIPT_MEMBERS = {"act", "seen", "index", "size", "path"}


def read_package(data):
    """The package's members, or Refused: its JSON and the types of its own members."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise Refused("the file is larger than 64 MiB")
    try:
        value, duplicates = cv.parse_strict(data)
    except cv.Malformed as e:
        raise Refused("the file is not JSON: %s" % e)
    if duplicates:
        raise Refused("the file names a member twice in one object")
    if not isinstance(value, dict):
        raise Refused("the file is not a JSON object")
    for member in sorted(set(value) - set(PACKAGE_MEMBERS)):
        raise Refused("the package has a member %r the format does not have" % member)
    for member in PACKAGE_MEMBERS:
        if member not in value:
            raise Refused("the package has no %r" % member)
    if value["format"] != FORMAT:
        raise Refused("the format is %r, not %r" % (value["format"], FORMAT))
    consignment = value["consignment"]
    if not (isinstance(consignment, str) and CONSIGNMENT_ID.fullmatch(consignment)):
        raise Refused("the package's consignment is not a consignment id")
    if not is_key(value["authority"]):
        raise Refused("the package's authority is not a key id (64 lower-case hex digits)")
    if parse_time(value["made_at"]) is None:
        raise Refused("made_at is not a time")
    if not is_int(value["offline_allowance_seconds"]):
        raise Refused("offline_allowance_seconds is not an integer from 0 to 2^64 - 1")
    if not isinstance(value["checkpoint"], str):
        raise Refused("the checkpoint is not a string")
    for member in ("registry", "acts"):
        if not isinstance(value[member], list):
            raise Refused("%s is not a list" % member)
        for i, item in enumerate(value[member]):
            where = "%s[%d]" % (member, i)
            if not isinstance(item, dict) or set(item) != {"act", "receipt"}:
                raise Refused("%s is not {act, receipt}" % where)
            receipt_fault = read_receipt(item["receipt"])
            if receipt_fault:
                raise Refused("%s: the receipt %s" % (where, receipt_fault))
    return value


def read_receipt(receipt):
    """Why a receipt is not {act, seen, index, size, path} of the right types, or None."""
    if not isinstance(receipt, dict):
        return "is not a JSON object"
    for member in sorted(RECEIPT_MEMBERS - set(receipt)):
        return "lacks %r" % member
    for member in sorted(set(receipt) - RECEIPT_MEMBERS):
        return "has a member %r it does not define" % member
    if not is_key(receipt["act"]):
        return "names no act id"
    seen = parse_time(receipt["seen"])
    if seen is None:
        return "has no time seen"
    if seen < 0:
        return "gives a time seen before 1970, which no leaf can hold"
    if not is_int(receipt["index"]) or not is_int(receipt["size"]):
        return "has an index or size that is not an integer from 0 to 2^64 - 1"
    path = receipt["path"]
    if not isinstance(path, list) or len(path) > MAX_PROOF_HASHES:
        return "has no path of at most 64 hashes"
    if not all(is_key(h) for h in path):
        return "has a path hash that is not 64 lower-case hex digits"
    return None


def receipt_problems(act, receipt, head):
    """What is wrong with an item's receipt against the head (section 14.6, check 3)."""
    if act["id"] is None:
        return []
    if receipt["act"] != act["id"]:
        return ["its receipt is for act %s, but the act's id is %s"
                % (receipt["act"][:12], act["id"][:12])]
    if receipt["size"] != head["size"]:
        return ["its receipt is for a tree of %d leaves, the tree head has %d"
                % (receipt["size"], head["size"])]
    out = []
    seen = parse_time(receipt["seen"])
    if seen > head["time"]:
        out.append("its receipt says central saw it at %s, after the tree head's time"
                   % receipt["seen"])
    entry = leaf_entry(bytes.fromhex(act["id"]), seen)
    path = [bytes.fromhex(h) for h in receipt["path"]]
    why = verify_inclusion(leaf_hash(entry), receipt["index"], receipt["size"], path, head["root"])
    if why:
        out.append(why)
    return out


def check_package(data, trusted=None):
    """Checks a package's bytes against the root key `trusted` (the file's own when None).
    Returns the report: a dict whose `verdict` is "verified" or "refused" and `reason` says why."""
    report = {
        "verdict": "refused",
        "reason": None,
        "problems": [],
        "authority_pinned": trusted is not None,
        "checkpoint": None,
        "registry": [],
        "acts": [],
        "flags": 0,
        "signatures_unchecked": 0,
    }
    problems = report["problems"]
    try:
        package = read_package(data)
    except Refused as e:
        return finish(report, str(e))
    report.update(
        consignment=package["consignment"],
        made_at=package["made_at"],
        offline_allowance_seconds=package["offline_allowance_seconds"],
        authority=package["authority"],
        authority_fingerprint=fingerprint(package["authority"]),
    )
    root = trusted or package["authority"]
    if package["authority"] != root:
        return finish(report, "the package is under root key %s, not the trusted %s" % (
            fingerprint(package["authority"]), fingerprint(root)))
    try:
        head = parse_checkpoint(package["checkpoint"])
    except Refused as e:
        return finish(report, str(e))
    shown_head = {
        "size": head["size"],
        "root": base64.b64encode(head["root"]).decode("ascii"),
        "time": head["time_text"],
        "log_key": head["log_key"],
        "log_key_fingerprint": fingerprint(head["log_key"]),
        "problems": [],
    }
    report["checkpoint"] = shown_head

    def unchecked(results):
        report["signatures_unchecked"] += sum(1 for r in results if r is None)
        return [i for i, r in enumerate(results) if r is False]

    # Registry acts: form, receipt, signature; then judged together.
    registry = Registry(root)
    judged = {}
    for i, item in enumerate(package["registry"]):
        act = read_act(item["act"])
        row = {"index": i, "id": act["id"], "kind": act["kind"], "at": act["at_text"],
               "seen": item["receipt"]["seen"], "signers": [], "problems": list(act["problems"])}
        if not act["problems"]:
            if act["kind"] not in REGISTRY_KINDS:
                row["problems"].append("it is not a registry act")
            else:
                for _ in unchecked(signature_results(act)):
                    row["problems"].append("its signature does not verify")
        if not row["problems"]:
            judged[act["id"]] = act["body"]
        row["problems"] += receipt_problems(act, item["receipt"], head)
        report["registry"].append(row)
    verdicts = registry.judge(judged)
    for row in report["registry"]:
        if row["id"] in judged and verdicts.get(row["id"]) != "holds":
            row["problems"].append("it does not hold (section 9): %s" % verdicts.get(row["id"]))
        body = judged.get(row["id"])
        if body is not None:
            row["summary"] = registry_summary(body)
            at = parse_time(body["at"])
            row["signers"] = [describe_signer(registry, body["authority"], at)]
            if body["authority"] == root:
                row["signers"][0].update(name="the root key", role="root", unit="")

    # The tree head's signature and key.
    holds = head_signature_holds(head)
    if holds is None:
        report["signatures_unchecked"] += 1
    elif not holds:
        shown_head["problems"].append("its signature does not verify")
    why = registry.fault_at(head["log_key"], head["time"], "transparency_log")
    if why:
        shown_head["problems"].append("its key may not sign for the log: " + why)
    enrollment, _ = registry.signer_at(head["log_key"], head["time"])
    if enrollment is not None:
        shown_head["log_key_holder"] = "%s (%s, %s)" % (
            enrollment["holder"]["name"], enrollment["role"], enrollment["unit"])
    problems += ["the tree head: " + p for p in shown_head["problems"]]
    for row in report["registry"]:
        where = "registry act %d (%s): " % (row["index"] + 1, row["kind"])
        problems += [where + p for p in row["problems"]]

    # The consignment's acts.
    allowance = package["offline_allowance_seconds"]
    for i, item in enumerate(package["acts"]):
        act = read_act(item["act"])
        seen = parse_time(item["receipt"]["seen"])
        row = {"index": i, "id": act["id"], "kind": act["kind"], "at": act["at_text"],
               "seen": item["receipt"]["seen"], "signers": [], "problems": list(act["problems"]),
               "flags": []}
        row["problems"] += receipt_problems(act, item["receipt"], head)
        if not act["problems"]:
            body = act["body"]
            if act["kind"] not in CONSIGNMENT_KINDS:
                row["problems"].append("it is not an act of a consignment")
            elif body["consignment"] != package["consignment"]:
                row["problems"].append(
                    "it names consignment %s, not the package's" % body["consignment"])
            for j in unchecked(signature_results(act)):
                key = act["signatures"][j]["key"]
                row["problems"].append("the signature by %s does not verify" % fingerprint(key))
            at = act["at"]
            for s in act["signatures"]:
                row["signers"].append(describe_signer(registry, s["key"], at))
                why = registry.fault_at(s["key"], at, signer_roles(act, s["key"]))
                if why:
                    row["problems"].append(why)
            why = two_people_fault(registry, act)
            if why:
                row["problems"].append(why)
            row["flags"] = sightings(act, seen, registry, allowance)
        report["flags"] += len(row["flags"])
        report["acts"].append(row)
        for p in row["problems"]:
            problems.append("act %d (%s): %s" % (i + 1, row["kind"], p))
    if problems:
        return finish(report, problems[0])
    if report["signatures_unchecked"]:
        return finish(report, NO_CRYPTOGRAPHY)
    report["verdict"] = "verified"
    return report


NO_CRYPTOGRAPHY = (
    "signatures cannot be checked without the Python package 'cryptography' "
    "(pip install cryptography); nothing else was found wrong"
)


def finish(report, reason):
    if reason not in report["problems"]:
        report["problems"].insert(0, reason)
    report["reason"] = reason
    return report


def sightings(act, seen, registry, allowance):
    """The two flags of section 14.6 for an act first seen at `seen`."""
    at = act["at"]
    out = []
    if seen - at > allowance:
        out.append({
            "flag": "seen_late",
            "text": "first seen by central %s after its time, more than the offline allowance (%s)"
            % (describe_duration(seen - at), describe_duration(allowance)),
        })
    for s in act["signatures"]:
        revoked = registry.revoked_from(s["key"])
        if revoked is not None and at < revoked <= seen:
            out.append({
                "flag": "signed_after_revocation",
                "key": s["key"],
                "text": "dated before the revocation of %s (effective %s) but first seen by "
                "central after it" % (fingerprint(s["key"]), format_time(revoked)),
            })
    return out


def registry_summary(body):
    kind = body["kind"]
    if kind == "key_enrolled":
        return "enrolls %s as %s (%s, %s), %s to %s%s" % (
            fingerprint(body["key"]), body["holder"]["name"], body["role"], body["unit"],
            body["valid_from"], body["valid_until"],
            ", migrated from %s" % body["migrated_from"] if "migrated_from" in body else "")
    if kind == "key_revoked":
        return "revokes %s from %s" % (fingerprint(body["key"]), body["effective_from"])
    return kind.replace("_", " ")


# ------------------------------------------------------------------------------------------------
# Output
# ------------------------------------------------------------------------------------------------


def act_line(row):
    return "  %2d. %s at %s, first seen by central %s" % (
        row["index"] + 1, row["kind"], row["at"], row["seen"])


def status_line(row):
    return "      " + ("NOT OK: " + "; ".join(row["problems"]) if row["problems"] else "OK")


def print_report(report, path):
    out = print
    out("Evidence package: %s" % path)
    if "consignment" in report:
        out("Consignment %s, package made %s, offline allowance %s" % (
            report["consignment"], report["made_at"],
            describe_duration(report["offline_allowance_seconds"])))
        out("Root key (authority): %s" % report["authority"])
        out("  fingerprint %s" % report["authority_fingerprint"])
        if not report["authority_pinned"]:
            out("  NOTE: no --authority given: this check trusts the root key the file names.")
            out("  Compare its fingerprint %s with the customs authority's published one."
                % report["authority_fingerprint"])
    head = report["checkpoint"]
    if head:
        out("")
        out("Tree head: %d leaves, root %s, signed %s" % (head["size"], head["root"], head["time"]))
        out("  log key %s%s: %s" % (head["log_key_fingerprint"],
            " = " + head["log_key_holder"] if "log_key_holder" in head else "",
            "; ".join(head["problems"]) or "OK"))
    if report["registry"]:
        out("")
        out("Registry acts (%d):" % len(report["registry"]))
        for row in report["registry"]:
            out(act_line(row))
            if "summary" in row:
                out("      by %s: %s" % (signer_text(row["signers"][0]), row["summary"]))
            out(status_line(row))
    if report["acts"]:
        out("")
        out("Acts of the consignment (%d):" % len(report["acts"]))
        for row in report["acts"]:
            out(act_line(row))
            if row["signers"]:
                out("      signed by %s" % "; ".join(signer_text(s) for s in row["signers"]))
            out(status_line(row))
            for flag in row["flags"]:
                out("      FLAG: %s" % flag["text"])
    out("")
    flagged = [r for r in report["acts"] if r["flags"]]
    out("Flags: %s" % ("none" if not flagged else "%d on %d act(s): %s" % (
        report["flags"], len(flagged), ", ".join("act %d" % (r["index"] + 1) for r in flagged))))
    if len(report["problems"]) > 1:
        out("Problems (%d):" % len(report["problems"]))
        for p in report["problems"][:12]:
            out("  - %s" % p)
        if len(report["problems"]) > 12:
            out("  ... and %d more" % (len(report["problems"]) - 12))
    out("VERIFIED" if report["verdict"] == "verified" else "REFUSED: %s" % report["reason"])


def json_report(report):
    def plain(v):
        if isinstance(v, bytes):
            return v.hex()
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v

    return json.dumps(plain(report), indent=2, ensure_ascii=False)


# ------------------------------------------------------------------------------------------------
# --vectors
# ------------------------------------------------------------------------------------------------


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def check(self, name, problem):
        """Counts a vector; `problem` is None when it holds, "skip" when it needs signatures."""
        if problem == "skip":
            self.skipped += 1
        elif problem:
            self.failed += 1
            print("FAIL %s: %s" % (name, problem))
        else:
            self.passed += 1


def hexes(values):
    return [bytes.fromhex(v) for v in values]


def check_log_vectors(t, log):
    leaves = []
    for i, leaf in enumerate(log["leaves"]):
        seen = parse_time(leaf["seen"])
        entry = leaf_entry(bytes.fromhex(leaf["act"]), seen)
        problem = None
        if leaf["index"] != i:
            problem = "index %d in position %d" % (leaf["index"], i)
        elif entry.hex() != leaf["entry"]:
            problem = "entry is not act id || seen (8 bytes, big-endian)"
        elif leaf_hash(entry).hex() != leaf["hash"]:
            problem = "hash is not SHA-256(0x00 || entry)"
        leaves.append(bytes.fromhex(leaf["hash"]))
        t.check("leaf %d" % i, problem)
    roots = {}
    for r in log["roots"]:
        roots[r["size"]] = bytes.fromhex(r["root"])
        ok = r["size"] <= len(leaves) and tree_root(leaves[:r["size"]]).hex() == r["root"]
        t.check("root of %d leaves" % r["size"], None if ok else "not MTH of the first leaves")
    for p in log["inclusion"]:
        m, n, path = p["index"], p["size"], hexes(p["path"])
        problem = verify_inclusion(leaves[m], m, n, path, roots[n])
        if not problem and path != inclusion_path(m, leaves[:n]):
            problem = "verifies, but is not RFC 6962's PATH"
        t.check("inclusion of leaf %d in %d" % (m, n), problem)
    for p in log["consistency"]:
        m, n, path = p["old"], p["new"], hexes(p["path"])
        problem = verify_consistency(m, n, roots[m], roots[n], path)
        if not problem and path != consistency_path(m, leaves[:n]):
            problem = "verifies, but is not RFC 6962's PROOF"
        t.check("consistency from %d to %d" % (m, n), problem)
    for p in log["refused_inclusion"]:
        leaf, m, n = bytes.fromhex(p["leaf"]), p["index"], p["size"]
        problem = verify_inclusion(leaf, m, n, hexes(p["path"]), roots[max(roots)])
        t.check("refused inclusion " + p["name"], None if problem else "it verifies")

    # The log key, its enrollment under the root key, and the signed head.
    root_key, log_key = log["root_key"], log["log_key"]["public_key"]
    enrollment = read_act(log["log_key_enrollment"])
    problem = "; ".join(enrollment["problems"]) or None
    if not problem and False in signature_results(enrollment):
        problem = "its signature does not verify"
    enrolled = (enrollment["body"] or {}).get("key"), (enrollment["body"] or {}).get("role")
    if not problem and enrolled != (log_key, "transparency_log"):
        problem = "it does not enroll the log key as transparency_log"
    t.check("log key enrollment", problem)
    registry = Registry(root_key)
    verdicts = registry.judge({enrollment["id"]: enrollment["body"]})
    verdict = verdicts.get(enrollment["id"])
    t.check("log key enrollment holds", None if verdict == "holds" else verdict)

    def head_refusal(text):
        """Why a checkpoint is refused under the vectors' registry; None if it holds, "skip"
        when only a signature could refuse it and signatures cannot be checked here."""
        try:
            head = parse_checkpoint(text)
        except Refused as e:
            return str(e)
        why = registry.fault_at(head["log_key"], head["time"], "transparency_log")
        if why:
            return why
        holds = head_signature_holds(head)
        if holds is None:
            return "skip"
        return None if holds else "its signature does not verify"

    refusal = head_refusal(log["checkpoint"])
    problem = refusal
    if not refusal:
        head = parse_checkpoint(log["checkpoint"])
        expected = log["checkpoint_head"]
        stated = head["size"], head["root"].hex(), head["time_text"]
        if stated != (expected["size"], expected["root"], expected["time"]):
            problem = "states another head than checkpoint_head"
        elif head["root"] != roots[head["size"]]:
            problem = "its root is not the root of the tree of its size"
    if not problem and parse_checkpoint(log["checkpoint"])["log_key"] != log_key:
        problem = "signed by another key than log_key"
    t.check("checkpoint", problem)
    for h in log["refused_checkpoints"]:
        refusal = head_refusal(h["checkpoint"])
        problem = "skip" if refusal == "skip" else (None if refusal else "it holds")
        t.check("refused checkpoint " + h["name"], problem)


def check_package_vectors(t, directory):
    with open(os.path.join(directory, "evidence", "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    for p in expected["packages"]:
        with open(os.path.join(directory, p["file"]), "rb") as f:
            report = check_package(f.read(), expected["authority"])
        name = "package " + p["file"]
        # Without `cryptography`, a package refused only for want of it is judged on the rest.
        only_signatures = report["reason"] == NO_CRYPTOGRAPHY
        got = "verified" if only_signatures else report["verdict"]
        if got != p["verdict"]:
            wrong = "%s (%s), expected %s" % (got, report["reason"], p["verdict"])
            t.check(name, "skip" if only_signatures else wrong)
        elif report["flags"] != p["flags"]:
            t.check(name, "%d flags, expected %d" % (report["flags"], p["flags"]))
        else:
            t.check(name, None)


def run_vectors():
    t = Tally()
    with open(os.path.join(VECTORS, "log.json"), encoding="utf-8") as f:
        check_log_vectors(t, json.load(f))
    check_package_vectors(t, VECTORS)
    if cv.HAVE_CRYPTOGRAPHY:
        print("signatures: checked (strict ed25519, with cryptography)")
    else:
        print("signatures: not checked (they need the 'cryptography' package); %d vectors that "
              "only a signature decides were skipped" % t.skipped)
    print("evidence vectors: %d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


# ------------------------------------------------------------------------------------------------


def main(argv):
    parser = argparse.ArgumentParser(
        description="Checks a tamga evidence package (docs/act-format.md section 14.6) offline.")
    parser.add_argument("file", nargs="?", help="the evidence package (JSON)")
    parser.add_argument("--authority", metavar="ROOT_KEY_HEX",
                        help="the customs authority's root key, 64 hex digits, as published")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--vectors", action="store_true",
                        help="check tests/vectors/log.json and tests/vectors/evidence/ instead")
    args = parser.parse_args(argv)
    if args.vectors:
        if args.file or args.authority or args.json:
            parser.error("--vectors takes no file, --authority or --json")
        return run_vectors()
    if not args.file:
        parser.error("give the package FILE (or --vectors)")
    trusted = None
    if args.authority is not None:
        trusted = args.authority.strip().lower()
        if not HEX64.fullmatch(trusted):
            parser.error("--authority must be the root key: 64 hex digits")
    try:
        with open(args.file, "rb") as f:
            data = f.read(MAX_PACKAGE_BYTES + 1)
    except OSError as e:
        print("cannot read %s: %s" % (args.file, e.strerror or e), file=sys.stderr)
        return 2
    try:
        report = check_package(data, trusted)
    except (RecursionError, MemoryError, ValueError, TypeError, KeyError, AttributeError) as e:
        report = finish(
            {"verdict": "refused", "problems": [], "authority_pinned": trusted is not None,
             "checkpoint": None, "registry": [], "acts": [], "flags": 0},
            "the package could not be read (%s)" % type(e).__name__)
    if args.json:
        print(json_report(report))
    else:
        print_report(report, args.file)
    return 0 if report["verdict"] == "verified" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
