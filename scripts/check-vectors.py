#!/usr/bin/env python3
"""Checks tamga's published test vectors (tests/vectors/*.json) without tamga's code.

What it checks, with Python's standard library only:

* keys: seed = SHA-256(seed phrase);
* valid acts and offers: the RFC 8785 (JCS) form of each body equals canonical_body, SHA-256 of
  its UTF-8 bytes equals id, the envelope is the JCS form of {"body", "signatures"}, the
  signatures are by the signers the act kind names, in order, and decimal strings and times in
  the body keep the format's grammar;
* the member sets of docs/act-format.md sections 3 and 4, written again here as one table of
  kinds -> members with each value's type and grammar (KINDS, OBJECTS, TAGGED, VALUES, ENUMS):
  each valid act has exactly the members its kind has, each of its type; each input the decoder
  must refuse for a member or a value (unknown_field, missing_field, unknown_variant,
  wrong_type, bad_value, bad_decimal, bad_time) breaks them, and so does each canonical JSON
  that spells an act otherwise (null for an absent member, [] for an absent optional list, an
  array or an index for an object); each input that must fail later does not;
* the content rules of docs/act-format.md section 5, written again here for every kind: each
  valid act keeps them, and each invalid_content input breaks at least one;
* optional members: a valid body never writes an absent one (no null anywhere, no empty
  `documents` of a registration or delivery, no empty `attachments` of a follow-up);
* invalid inputs: the stage at which each must fail (size limit, JSON syntax, canonical form,
  signer shape, content rules), and for bad_decimal / bad_time inputs that some field breaks
  the grammar;
* registry acts (registry.json): a set judged together under one pinned root key, each act's
  verdict (`holds` or a reason code) derived here from docs/act-format.md section 9: the root
  enrolls and revokes anyone; a registrar (enrolled by the root in role `registrar`) only while
  in force and not revoked, never a registrar, its own key or the root key; no enrollment starts
  before its act unless it names the paper record it carries over (`migrated_from`);
* other spellings (cases named non_canonical/...): canonical JSON that spells a value otherwise
  than the format does. Those that write an absent optional member out (as null, or as an empty
  optional list) must be, without it, exactly the envelope of the valid act their description
  names ("Same act as NAME"); the other type-level spellings (an array for an object, ...) are
  the decoder's to refuse, so here only their JSON is read.

Signatures (ed25519, RFC 8032, verified strictly: S < L, neither the public key nor R of small
order) are checked when the `cryptography` package is importable; the small-order and S < L
checks are done here in pure Python, the group equation by `cryptography`. Without it, the
signature checks are skipped and the script says so.

JCS here is a small complete implementation (sorted keys by UTF-16 code units, ECMAScript number
spelling). For data of only strings, integers below 2^53 and ASCII keys, which is all a valid act
holds, it equals json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False);
the script checks that too for the valid vectors. That one-liner is NOT JCS for floats, for
integers of 2^53 and above, or for non-ASCII keys (Python sorts keys by code point).

Usage: python3 scripts/check-vectors.py [VECTORS_DIR]   (default: tests/vectors)
The last line is "vectors: N passed, M failed"; the exit status is 1 if any failed.
"""

import datetime
import decimal
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "tests", "vectors")

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

    HAVE_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - depends on the environment
    HAVE_CRYPTOGRAPHY = False

SIGNATURE_CONTEXT = b"tamga/act-signature/v1\x00"
MAX_ACT_BYTES = 262144  # replaced by acts.json's max_act_bytes
MAX_DEPTH = 127  # tamga's JSON parser refuses arrays/objects nested 128 deep or more


# ------------------------------------------------------------------------------------------------
# JSON: strict parsing and RFC 8785 canonical form
# ------------------------------------------------------------------------------------------------


class Malformed(Exception):
    pass


def parse_strict(data):
    """Parses bytes as JSON the way tamga does; returns (value, had_duplicate_keys)."""
    try:
        text = data.decode("utf-8")  # strict: no overlong forms, no encoded surrogates
    except UnicodeDecodeError as e:
        raise Malformed("not UTF-8: %s" % e)
    duplicates = []

    def pairs(items):
        obj = {}
        for k, v in items:
            if k in obj:
                duplicates.append(k)
            obj[k] = v
        return obj

    def constant(name):
        raise Malformed("%s is not JSON" % name)

    def parse_float(s):
        f = float(s)
        if f in (float("inf"), float("-inf")):
            raise Malformed("number out of range: %s" % s)
        return f

    def parse_int(s):
        i = int(s)
        try:
            float(i)
        except OverflowError:
            raise Malformed("number out of range: %s" % s)
        return i

    try:
        value = json.loads(
            text,
            object_pairs_hook=pairs,
            parse_constant=constant,
            parse_float=parse_float,
            parse_int=parse_int,
        )
    except (ValueError, RecursionError) as e:
        raise Malformed(str(e))

    def walk(v, depth):
        if isinstance(v, (list, dict)):
            depth += 1
            if depth > MAX_DEPTH:
                raise Malformed("nested too deep")
            for item in v.values() if isinstance(v, dict) else v:
                walk(item, depth)
            if isinstance(v, dict):
                for k in v:
                    check_str(k)
        elif isinstance(v, str):
            check_str(v)

    def check_str(s):
        try:
            s.encode("utf-8")
        except UnicodeEncodeError:
            raise Malformed("lone surrogate in a string")

    try:
        walk(value, 0)
    except RecursionError:
        raise Malformed("nested too deep")
    return value, bool(duplicates)


def es6_number(f):
    """ECMAScript Number.prototype.toString for a finite double (RFC 8785 section 3.2.2.3)."""
    if f != f or f in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    if f == 0:
        return "0"
    if f < 0:
        return "-" + es6_number(-f)
    _, digit_tuple, exponent = decimal.Decimal(repr(f)).as_tuple()
    digits = "".join(map(str, digit_tuple))
    n = len(digits) + exponent  # the value is 0.DIGITS * 10^n
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return "%se%s%d" % (mantissa, sign, abs(e))


def jcs(value):
    """The RFC 8785 canonical form of a parsed JSON value, as text."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value) if abs(value) < 2**53 else es6_number(float(value))
    if isinstance(value, float):
        return es6_number(value)
    if isinstance(value, str):
        # Python escapes exactly what JCS escapes: '"', '\\', and U+0000..U+001F (as \b \t \n
        # \f \r or \u00xx in lower case); everything else is written as itself.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(jcs(k) + ":" + jcs(value[k]) for k in keys) + "}"
    raise TypeError(type(value))


def jcs_bytes(value):
    return jcs(value).encode("utf-8")


def simple_jcs(value):
    """The one-liner, exact for strings, integers below 2^53 and ASCII keys only."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# ------------------------------------------------------------------------------------------------
# ed25519: the strictness checks in pure Python, the equation by `cryptography`
# ------------------------------------------------------------------------------------------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def decompress(b):
    """The Edwards point (x, y) encoded by 32 bytes, or None. Like curve25519-dalek, it does
    not refuse y >= p."""
    y = int.from_bytes(b, "little") & ((1 << 255) - 1)
    sign = b[31] >> 7
    y %= P
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x2 = u * pow(v, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if x & 1 != sign:
        x = (P - x) % P
    return (x, y)


def add(p1, p2):
    x1, y1 = p1
    x2, y2 = p2
    t = D * x1 * x2 * y1 * y2 % P
    x3 = (x1 * y2 + x2 * y1) * pow(1 + t, P - 2, P) % P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, P - 2, P) % P
    return (x3, y3)


def small_order(point):
    q = point
    for _ in range(3):
        q = add(q, q)
    return q == (0, 1)


def signature_holds(key_hex, signature_hex, message):
    """True / False, or None when the group equation cannot be checked here."""
    key = bytes.fromhex(key_hex)
    sig = bytes.fromhex(signature_hex)
    if len(key) != 32 or len(sig) != 64:
        return False
    if int.from_bytes(sig[32:], "little") >= L:
        return False
    a = decompress(key)
    r = decompress(sig[:32])
    if a is None or r is None or small_order(a) or small_order(r):
        return False
    if not HAVE_CRYPTOGRAPHY:
        return None
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(sig, message)
        return True
    except (InvalidSignature, ValueError):
        return False


# ------------------------------------------------------------------------------------------------
# The format's rules this script checks itself
# ------------------------------------------------------------------------------------------------

TIME_FIELDS = {
    "at",
    "happened_at",
    "arrived_at",
    "working_hours_began_at",
    "delivery_deadline",
    "issued_at",
    "expires_at",
    "valid_from",
    "valid_until",
    "effective_from",
    "found_damaged_at",
}
DECIMAL_FIELDS = {"value", "amount", "latitude", "longitude", "carats", "value_usd"}
DECIMAL_RE = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]{1,28})?$")
TIME_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")


def decimal_ok(text):
    if not DECIMAL_RE.match(text):
        return False
    if text.startswith("-") and set(text[1:]) <= set("0."):
        return False  # minus zero
    return int(text.lstrip("-").replace(".", "")) < 2**96


def time_ok(text):
    if not TIME_RE.match(text):
        return False
    try:
        datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return True


def grammar_faults(value, field=None):
    """Decimal and time strings in `value` that break the format's grammar."""
    faults = []
    if isinstance(value, dict):
        for k, v in value.items():
            faults += grammar_faults(v, k)
    elif isinstance(value, list):
        for v in value:
            faults += grammar_faults(v, field)
    elif isinstance(value, str):
        if field in TIME_FIELDS and not time_ok(value):
            faults.append(("time", field, value))
        if field in DECIMAL_FIELDS and not decimal_ok(value):
            faults.append(("decimal", field, value))
    return faults


# ------------------------------------------------------------------------------------------------
# What each kind of act holds (sections 3 and 4): one table of kinds -> members, value grammars
# ------------------------------------------------------------------------------------------------
#
# A member is written  name: "T"  with T one of the value types of VALUES or ENUMS, an object of
# OBJECTS, or a tagged object of TAGGED, and a suffix:
#   "T"      required
#   "T?"     optional: left out when absent, never written as null (section 3)
#   "T[]"    a list of T (how many entries is a content rule, section 5)
#   "T[]?"   an optional list, which may be empty (a correction's new list)
#   "T[]*"   an optional list left out when empty: written as [] it is another spelling
# An object has exactly the members its table names: no other member (even null), none of the
# required ones missing.

HEX64_RE = re.compile(r"[0-9a-f]{64}")
HEX128_RE = re.compile(r"[0-9a-f]{128}")
# Unicode White_Space, and the control characters (Cc) a text may not hold but tab and line feed.
WHITE_SPACE = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {
    chr(c) for c in range(0x2000, 0x200B)
}
CONTROL = {chr(c) for c in range(0x20) if chr(c) not in "\t\n"} | {chr(c) for c in range(0x7F, 0xA0)}


def is_text(v):
    return (
        isinstance(v, str)
        and not set(v) <= WHITE_SPACE
        and not set(v) & CONTROL
        and len(v.encode("utf-8")) <= 4096
    )


def date_exists(y, m, d):
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return 1 <= m <= 12 and 1 <= d <= days[m - 1]


def is_date(v):
    match = isinstance(v, str) and re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", v)
    return bool(match) and date_exists(*(int(g) for g in match.groups()))


def is_time(v):
    match = isinstance(v, str) and re.fullmatch(
        r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z", v
    )
    if not match:
        return False
    y, mo, d, h, mi, s = (int(g) for g in match.groups())
    return date_exists(y, mo, d) and h < 24 and mi < 60 and s < 60


try:
    import zoneinfo

    ZONES = zoneinfo.available_timezones()
except ImportError:  # pragma: no cover - depends on the environment
    ZONES = set()


def is_time_zone(v):
    """An IANA zone name of this system's tz database (tzdata); where Python has none, any name
    of the IANA form is let through."""
    if not isinstance(v, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*", v):
        return False
    return v in ZONES if ZONES else True


def integer_up_to(high):
    return lambda v: type(v) is int and 0 <= v <= high


def matches(pattern):
    return lambda v: isinstance(v, str) and re.fullmatch(pattern, v) is not None


# Value types (section 3): what each must be, and how a refusal names it.
VALUES = {
    "text": (is_text, "a text (1-4096 bytes, not blank, no control character but tab and line feed)"),
    "unit_code": (matches(r"[A-Z0-9_-]{1,32}"), "a unit code (1-32 of A-Z 0-9 - _)"),
    "consignment_id": (matches(r"[A-Z0-9_./-]{1,64}"), "a consignment id (1-64 of A-Z 0-9 - _ / .)"),
    "seal_number": (matches(r"[A-Z0-9/-]{1,32}"), "a seal number (1-32 of A-Z 0-9 - /)"),
    "hs_code": (matches(r"[0-9]{6,10}"), "an HS code (6-10 digits)"),
    "currency_code": (matches(r"[A-Z]{3}"), "a currency code (3 of A-Z)"),
    "country_code": (matches(r"[A-Z]{2}"), "a country code (2 of A-Z)"),
    "key_id": (matches(HEX64_RE.pattern), "a key id (64 lower-case hex digits)"),
    "act_id": (matches(HEX64_RE.pattern), "an act id (64 lower-case hex digits)"),
    "sha256": (matches(HEX64_RE.pattern), "a SHA-256 digest (64 lower-case hex digits)"),
    "discrepancy_id": (matches(HEX64_RE.pattern), "a discrepancy id (64 lower-case hex digits)"),
    "time": (is_time, "a time (YYYY-MM-DDTHH:MM:SSZ, a date and time that exist)"),
    "decimal": (
        lambda v: isinstance(v, str) and decimal_ok(v),
        'a decimal (a string like "12.50": no exponent, +, leading zero or -0; at most 28 places)',
    ),
    "date": (is_date, "a date (YYYY-MM-DD, a day that exists)"),
    "clock_time": (matches(r"([01][0-9]|2[0-3]):[0-5][0-9]"), "a clock time (HH:MM, 00:00 to 23:59)"),
    "time_zone": (is_time_zone, "a time zone of the IANA tz database (like Asia/Bishkek)"),
    "integer": (integer_up_to(2**32 - 1), "an integer from 0 to 4294967295"),
    "year": (integer_up_to(65535), "an integer from 0 to 65535"),
    "weekday": (integer_up_to(255), "an integer from 0 to 255"),
    "boolean": (lambda v: isinstance(v, bool), "true or false"),
}

# Enumerations (section 3): JSON strings, case-sensitive.
ENUMS = {
    "direction": ("import", "export", "transit"),
    "certificate_kind": ("state_control", "kimberley_process"),
    "seal_kind": ("mechanical", "navigation"),
    "seal_state": ("intact", "damaged", "missing"),
    "seal_basis": ("permission", "inspection", "threat_of_loss", "threat_to_life"),
    "incident": (
        "accident", "force_majeure", "seal_damage", "route_deviation", "delay", "loss_or_shortage",
    ),
    "follow_up_action": ("brought_to_customs", "officials_attended", "closed"),
    "document_kind": (
        "transit_declaration", "invoice", "packing_list", "transport_document",
        "kimberley_process_certificate", "state_control_certificate", "other",
    ),
    "mass_unit": ("kg", "g", "ct"),
    "quantity_unit": ("ct", "g", "kg", "pcs"),
    "role": (
        "post_officer", "escort_officer", "precious_metals_officer", "central_staff", "supervisor",
        "device", "registrar", "transparency_log", "seal_operator",
    ),
    "seal_event_kind": ("armed", "opened", "tampered", "battery_low", "position", "disarmed"),
}

# The objects used inside bodies (section 3).
OBJECTS = {
    "coordinates": {"latitude": "decimal", "longitude": "decimal"},
    "trader": {"name": "text", "country": "country_code", "registration": "text?"},
    "goods_line": {
        "hs_code": "hs_code", "description": "text", "quantity": "quantity", "net_mass": "mass",
        "gross_mass": "mass", "value": "money",
    },
    "quantity": {"value": "decimal", "unit": "quantity_unit"},
    "mass": {"value": "decimal", "unit": "mass_unit"},
    "money": {"amount": "decimal", "currency": "currency_code"},
    "certificate": {
        "kind": "certificate_kind", "number": "text", "issued_by": "country_code",
        "issued_at": "time", "kp": "kp_contents?",
    },
    "kp_contents": {
        "authority": "text", "expires_at": "time", "exporter": "trader", "importer": "trader",
        "carats": "decimal", "value_usd": "decimal", "parcels": "integer", "hs_codes": "hs_code[]",
    },
    "seal_observation": {"seal": "seal_number", "state": "seal_state"},
    "seal_grounds": {"basis": "seal_basis", "reference": "text?", "permission": "act_id?"},
    "custodian": {"unit": "unit_code", "officer": "key_id"},
    "position": {"at": "time", "coordinates": "coordinates"},
    "holder": {"name": "text", "personal_number": "text?"},
    "accompanying_document": {"kind": "document_kind", "number": "text"},
    "document_check": {"number": "text", "present": "boolean"},
    "shortage": {"packages": "integer", "net_mass": "mass", "description": "text"},
    "transhipment": {"permission": "act_id", "vehicle": "text", "new_seals": "new_seal[]"},
    "new_seal": {"seal": "seal_number", "seal_kind": "seal_kind", "fixed_on": "text"},
    "kp_participant": {"name": "text", "countries": "country_code[]"},
    "working_hours": {"from": "clock_time", "until": "clock_time"},
    "corridor": {"waypoints": "coordinates[]", "width_metres": "integer"},
    "seal_event": {
        "seal": "seal_number", "at": "time", "event": "seal_event_kind",
        "coordinates": "coordinates?",
    },
}

# Objects tagged by one member, each value of the tag with its own members (section 3).
TAGGED = {
    "place": ("type", {
        "post": {"unit": "unit_code"},
        "road": {"description": "text", "coordinates": "coordinates?"},
    }),
    "permit": ("type", {
        "seal_removal": {"seals": "seal_number[]"},
        "correction": {"act": "act_id"},
        "transhipment": {"incident": "act_id?"},
        "return": {},
    }),
    # A correction's changes: the kind of the act corrected and the new value of each field it
    # changes (a route, a deadline or a crew is not among them).
    "changes": ("kind", {
        "consignment_registered": {
            "declaration": "text?", "consignor": "trader?", "consignee": "trader?",
            "carrier": "trader?", "goods": "goods_line[]?", "packages": "integer?",
            "certificates": "certificate[]?", "documents": "accompanying_document[]?",
        },
        "seal_applied": {"seal": "seal_number?", "seal_kind": "seal_kind?", "fixed_on": "text?"},
        "escort_assigned": {"vehicle": "text?"},
        "incident_reported": {
            "happened_at": "time?", "description": "text?", "seals": "seal_number[]?",
            "attachments": "sha256[]?",
        },
    }),
}

# Members many kinds share.
BY_AN_OFFICER = {"consignment": "consignment_id", "at": "time", "officer": "key_id"}
AT_A_PLACE = dict(BY_AN_OFFICER, place="place")
BY_THE_AUTHORITY = {"at": "time", "authority": "key_id"}

# Each act kind and its members besides `kind` (section 4), consignment acts then registry acts.
KINDS = {
    "consignment_registered": dict(
        BY_AN_OFFICER, declaration="text", direction="direction", consignor="trader",
        consignee="trader", goods="goods_line[]", packages="integer", certificates="certificate[]",
        office_of_departure="unit_code", office_of_destination="unit_code", route="unit_code[]",
        delivery_deadline="time", carrier="trader?", documents="accompanying_document[]*",
        corridor="corridor?",
    ),
    "seal_applied": dict(AT_A_PLACE, seal="seal_number", seal_kind="seal_kind", fixed_on="text"),
    "seal_checked": dict(AT_A_PLACE, seal="seal_number", state="seal_state", note="text?"),
    "seal_removed": dict(AT_A_PLACE, seal="seal_number", state="seal_state", grounds="seal_grounds"),
    "seal_replaced": dict(
        AT_A_PLACE, old_seal="seal_number", old_state="seal_state", new_seal="seal_number",
        new_seal_kind="seal_kind", fixed_on="text", grounds="seal_grounds",
    ),
    "escort_assigned": dict(
        AT_A_PLACE, escort_unit="unit_code", vehicle="text", officer_in_charge="key_id",
        crew="key_id[]",
    ),
    "custody_transferred": {
        "consignment": "consignment_id", "at": "time", "place": "place", "previous": "act_id?",
        "releasing": "custodian", "receiving": "custodian", "seals": "seal_observation[]",
        "packages": "integer", "gross_mass": "mass", "transhipment": "transhipment?",
    },
    "incident_reported": dict(
        AT_A_PLACE, happened_at="time?", incident="incident", description="text",
        seals="seal_number[]", attachments="sha256[]",
    ),
    "position_reported": dict(BY_AN_OFFICER, positions="position[]"),
    "arrival_notified": dict(AT_A_PLACE, arrived_at="time", working_hours_began_at="time?"),
    "consignment_delivered": dict(
        AT_A_PLACE, seals="seal_observation[]", packages="integer", gross_mass="mass",
        net_mass="mass?", shortage="shortage?", documents="document_check[]*",
    ),
    "discrepancy_resolved": dict(
        BY_AN_OFFICER, discrepancy="discrepancy_id", reason="text", supervisor="key_id?",
    ),
    "permission_granted": dict(AT_A_PLACE, permits="permit", reason="text", valid_until="time?"),
    "act_corrected": dict(
        BY_AN_OFFICER, corrects="act_id", changes="changes", reason="text", permission="act_id?",
    ),
    "escort_changed": dict(
        AT_A_PLACE, escort_unit="unit_code", vehicle="text", officer_in_charge="key_id",
        crew="key_id[]", reason="text",
    ),
    "deadline_extended": dict(
        BY_AN_OFFICER, incident="act_id", delivery_deadline="time", reason="text",
    ),
    "incident_followed_up": dict(
        AT_A_PLACE, incident="act_id", action="follow_up_action", note="text",
        attachments="sha256[]*",
    ),
    "delivery_refused": dict(AT_A_PLACE, reason="text", seals="seal_observation[]"),
    "consignment_returned": dict(
        AT_A_PLACE, seals="seal_observation[]", packages="integer", gross_mass="mass",
        permission="act_id?",
    ),
    "department_notified": dict(BY_AN_OFFICER, reference="text"),
    "expertise_concluded": dict(BY_AN_OFFICER, conclusion="text"),
    "state_control_act_drawn": dict(BY_AN_OFFICER, register_number="text", goods_conform="boolean"),
    "certificates_issued": dict(BY_AN_OFFICER, certificates="certificate[]"),
    "kpc_returned": dict(BY_AN_OFFICER, certificate="text", found_damaged_at="time", damage="text"),
    "kp_coupon_returned": dict(BY_AN_OFFICER, certificate="text", sent_to="text"),
    "seal_events_reported": {
        "consignment": "consignment_id", "at": "time", "operator": "key_id",
        "events": "seal_event[]",
    },
    "key_enrolled": dict(
        BY_THE_AUTHORITY, key="key_id", holder="holder", role="role", unit="unit_code",
        valid_from="time", valid_until="time", migrated_from="text?",
    ),
    "key_revoked": dict(BY_THE_AUTHORITY, key="key_id", effective_from="time", reason="text"),
    "kp_participants_listed": dict(BY_THE_AUTHORITY, participants="kp_participant[]", source="text"),
    "calendar_published": dict(
        BY_THE_AUTHORITY, year="year", weekly_rest="weekday[]", days_off="date[]",
        working_days="date[]*", source="text",
    ),
    "post_registered": dict(
        BY_THE_AUTHORITY, post="unit_code", name="text", time_zone="time_zone",
        working_hours="working_hours?", coordinates="coordinates?",
    ),
}

OBJECT_NAMES = {
    "coordinates": "coordinates",
    "kp_contents": "KP contents",
    "seal_grounds": "seal grounds",
    "changes": "a correction's changes",
}


def named(type_name):
    """How an object's type is named in a fault: "a seal observation", "KP contents"."""
    if type_name in OBJECT_NAMES:
        return OBJECT_NAMES[type_name]
    return ("an " if type_name[0] in "aeiou" else "a ") + type_name.replace("_", " ")


def type_fault(v, type_name, path):
    """The first way `v`, at `path`, is not of type `type_name` (section 3), or None."""
    if type_name.endswith("[]"):
        if not isinstance(v, list):
            return "%s is not a list (section 4)" % path
        for i, item in enumerate(v):
            fault = type_fault(item, type_name[:-2], "%s[%d]" % (path, i))
            if fault:
                return fault
        return None
    if type_name in OBJECTS:
        return members_fault(v, OBJECTS[type_name], path, named(type_name))
    if type_name in TAGGED:
        tag, variants = TAGGED[type_name]
        if not isinstance(v, dict):
            return "%s is not %s (a JSON object) (section 4)" % (path, named(type_name))
        if tag not in v:
            return "%s.%s is missing: %s names its %s (section 4)" % (path, tag, named(type_name), tag)
        if not isinstance(v[tag], str) or v[tag] not in variants:
            return "%s.%s is not one of %s (section 3)" % (path, tag, ", ".join(variants))
        what = "%s of %s %s" % (named(type_name), tag, v[tag])
        return members_fault(v, variants[v[tag]], path, what, tag)
    if type_name in ENUMS:
        if isinstance(v, str) and v in ENUMS[type_name]:
            return None
        return "%s is not one of %s (section 3)" % (path, ", ".join(ENUMS[type_name]))
    holds, what = VALUES[type_name]
    return None if holds(v) else "%s is not %s (section 3)" % (path, what)


def members_fault(v, members, path, what, tag=None):
    """The first way object `v`, at `path`, does not have exactly `members` (`what` names it;
    `tag` is a member checked already): a member it does not have, a required one missing, an
    optional one written as null or an optional list written empty, a value of another type.
    None if it has them."""
    if not isinstance(v, dict):
        return "%s is not %s (a JSON object) (section 4)" % (path, what)
    for name in v:
        if name != tag and name not in members:
            return "%s has a member %s that %s does not have (section 4)" % (
                path, json.dumps(name), what)
    for name, spec in members.items():
        type_name, mark = spec.rstrip("?*"), spec[len(spec.rstrip("?*")):]
        here = "%s.%s" % (path, name)
        if name not in v:
            if mark:
                continue
            return "%s is missing: %s must have it (section 4)" % (here, what)
        if v[name] is None:
            return "%s is null: an absent member is left out, never null (section 3)" % here
        if mark == "*" and v[name] == []:
            return "%s is []: this optional list is left out when empty, never written empty " \
                "(section 3)" % here
        fault = type_fault(v[name], type_name, here)
        if fault:
            return fault
    return None


def body_fault(body):
    """The first way `body` is not an act of the format (sections 3 and 4), or None."""
    if not isinstance(body, dict):
        return "the body is not a JSON object (section 4)"
    kind = body.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        return "the body's kind %s is not an act kind of the format (section 4)" % json.dumps(kind)
    return members_fault(body, KINDS[kind], "body", "a %s act" % kind, "kind")


def envelope_fault(envelope):
    """The first way `envelope` is not a signed act's wire form of the format (section 7, and
    its body by sections 3 and 4), or None. Not its signer order, which signer_fault gives."""
    if not isinstance(envelope, dict):
        return "the act is not a JSON object (section 7)"
    for member in sorted(set(envelope) - {"body", "signatures"}):
        return "the envelope has a member %s the format does not have (section 7)" % json.dumps(member)
    for member in ("body", "signatures"):
        if member not in envelope:
            return "the envelope has no %s (section 7)" % member
    signatures = envelope["signatures"]
    if not isinstance(signatures, list):
        return "the envelope's signatures are not a list (section 7)"
    for s in signatures:
        if not isinstance(s, dict) or set(s) != {"key", "signature"}:
            return "a signature is not {key, signature} (section 7)"
        if not (isinstance(s["key"], str) and HEX64_RE.fullmatch(s["key"])):
            return "a signature's key is not a key id (section 3)"
        if not (isinstance(s["signature"], str) and HEX128_RE.fullmatch(s["signature"])):
            return "a signature is not 128 lower-case hex digits (section 3)"
    return body_fault(envelope["body"])


# Lists a body omits when empty (the other lists are written even when empty).
OPTIONAL_LISTS = {
    "consignment_registered": ("documents",),
    "consignment_delivered": ("documents",),
    "incident_followed_up": ("attachments",),
    "calendar_published": ("working_days",),
}
MAX_LIST = 200
MAX_POSITIONS = 1000
MAX_WAYPOINTS = 1000
MAX_SEAL_EVENTS = 1000
CORRIDOR_WIDTH_METRES = (100, 100000)
GRAMS_PER_UNIT = {"kg": decimal.Decimal(1000), "g": decimal.Decimal(1), "ct": decimal.Decimal("0.2")}


def dec(text):
    return decimal.Decimal(text)


def grams(mass):
    with decimal.localcontext() as ctx:
        ctx.prec = 200  # exact: a decimal below 2^96 times 1000
        return dec(mass["value"]) * GRAMS_PER_UNIT[mass["unit"]]


def mass_text(mass):
    """A mass as written and in grams, like "1250.35 ct (250.07 g)"."""
    with decimal.localcontext() as ctx:
        ctx.prec = 200  # exact, as in grams()
        in_grams = format(grams(mass).normalize(), "f")
    return "%s %s (%s g)" % (mass["value"], mass["unit"], in_grams)


def content_faults(body):
    """The content rules of docs/act-format.md section 5 (ActBody::check_content) this body
    breaks, as a list of messages; the body is assumed to be well-typed."""
    faults = []
    kind = body.get("kind")

    def length(field, items, low, high):
        if not low <= len(items) <= high:
            faults.append("%s has %d entries, %d to %d allowed" % (field, len(items), low, high))

    def unique(field, items):
        items = list(items)
        if len(set(items)) != len(items):
            faults.append("%s names an entry twice" % field)

    def positive(field, mass_or_value):
        value = mass_or_value["value"] if isinstance(mass_or_value, dict) else mass_or_value
        if dec(value) <= 0:
            faults.append("%s is not above zero" % field)

    def on_globe(field, c):
        if abs(dec(c["latitude"])) > 90 or abs(dec(c["longitude"])) > 180:
            faults.append("%s is off the globe" % field)

    def place(p):
        if p.get("type") == "road" and "coordinates" in p:
            on_globe("place", p["coordinates"])

    def grounds(g):
        basis = g["basis"]
        if basis == "permission" and "reference" not in g and "permission" not in g:
            faults.append("a removal with permission names neither the permission act nor a reference")
        if basis == "inspection" and "reference" not in g:
            faults.append("an inspection without the order's reference")
        if basis != "permission" and "permission" in g:
            faults.append("a permission act named for a basis other than permission")

    def crew(officer_in_charge, members):
        length("crew", members, 1, MAX_LIST)
        unique("crew", members)
        if officer_in_charge not in members:
            faults.append("the crew does not include the officer in charge")

    def goods_lines(goods):
        length("goods", goods, 1, MAX_LIST)
        for i, line in enumerate(goods):
            positive("goods[%d].quantity" % i, line["quantity"])
            positive("goods[%d].net_mass" % i, line["net_mass"])
            positive("goods[%d].gross_mass" % i, line["gross_mass"])
            if dec(line["value"]["amount"]) < 0:
                faults.append("goods[%d].value is negative" % i)
            if grams(line["net_mass"]) > grams(line["gross_mass"]):
                faults.append("goods[%d]: net mass %s is above gross mass %s" % (
                    i, mass_text(line["net_mass"]), mass_text(line["gross_mass"])))

    def certificates(field, certs):
        length(field, certs, 0, MAX_LIST)
        for i, c in enumerate(certs):
            kp = c.get("kp")
            if kp is None:
                continue
            at = "%s[%d].kp." % (field, i)
            if c["kind"] != "kimberley_process":
                faults.append("%s: KP contents on a certificate of kind %s" % (field, c["kind"]))
            positive(at + "carats", kp["carats"])
            if dec(kp["value_usd"]) < 0:
                faults.append(at + "value_usd is negative")
            if kp["parcels"] < 1:
                faults.append(at + "parcels below 1")
            length(at + "hs_codes", kp["hs_codes"], 1, MAX_LIST)
            unique(at + "hs_codes", kp["hs_codes"])
            for code in kp["hs_codes"]:
                if not code.startswith(("710210", "710221", "710231")):
                    faults.append("%shs_codes: %s is not a rough diamond subheading" % (at, code))
            if parse_time(kp["expires_at"]) <= parse_time(c["issued_at"]):
                faults.append(at + "expires_at is not after the date of issue")

    def documents(field, docs):
        length(field, docs, 0, MAX_LIST)
        unique(field, (d["number"] for d in docs))

    def seal_list(seals):
        length("seals", seals, 0, MAX_LIST)
        unique("seals", (o["seal"] for o in seals))

    if kind == "consignment_registered":
        goods_lines(body["goods"])
        certificates("certificates", body["certificates"])
        documents("documents", body.get("documents", []))
        route = body["route"]
        length("route", route, 2, MAX_LIST)
        if body["packages"] < 1:
            faults.append("packages below 1")
        if route[:1] != [body["office_of_departure"]] or route[-1:] != [body["office_of_destination"]]:
            faults.append("the route does not run from the office of departure to the office of destination")
        unique("route", route)
        corridor = body.get("corridor")
        if corridor is not None:
            length("corridor.waypoints", corridor["waypoints"], 2, MAX_WAYPOINTS)
            for i, w in enumerate(corridor["waypoints"]):
                on_globe("corridor.waypoints[%d]" % i, w)
            low, high = CORRIDOR_WIDTH_METRES
            if not low <= corridor["width_metres"] <= high:
                faults.append("corridor.width_metres is %d, %d to %d metres allowed" % (
                    corridor["width_metres"], low, high))
        if parse_time(body["delivery_deadline"]) <= parse_time(body["at"]):
            faults.append("the delivery deadline is not after the registration")
    elif kind in ("seal_applied", "seal_checked", "arrival_notified"):
        place(body["place"])
    elif kind == "seal_removed":
        place(body["place"])
        grounds(body["grounds"])
    elif kind == "seal_replaced":
        place(body["place"])
        grounds(body["grounds"])
        if body["old_seal"] == body["new_seal"]:
            faults.append("the new seal is the old seal")
    elif kind in ("escort_assigned", "escort_changed"):
        place(body["place"])
        crew(body["officer_in_charge"], body["crew"])
    elif kind == "custody_transferred":
        place(body["place"])
        seal_list(body["seals"])
        positive("gross_mass", body["gross_mass"])
        if body["releasing"]["officer"] == body["receiving"]["officer"]:
            faults.append("one officer on both sides of the handoff")
        t = body.get("transhipment")
        if t is not None:
            new_seals = [n["seal"] for n in t["new_seals"]]
            length("transhipment.new_seals", new_seals, 1, MAX_LIST)
            unique("transhipment.new_seals", new_seals)
            if set(new_seals) & {o["seal"] for o in body["seals"]}:
                faults.append("a new seal of the transhipment is a seal taken off")
    elif kind == "discrepancy_resolved":
        if body.get("supervisor") is not None and body["supervisor"] == body["officer"]:
            faults.append("the second signature must be another staff member's")
    elif kind == "incident_reported":
        place(body["place"])
        if "happened_at" in body and parse_time(body["happened_at"]) > parse_time(body["at"]):
            faults.append("happened_at is after the report")
        length("seals", body["seals"], 0, MAX_LIST)
        length("attachments", body["attachments"], 0, MAX_LIST)
    elif kind == "position_reported":
        length("positions", body["positions"], 1, MAX_POSITIONS)
        for i, p in enumerate(body["positions"]):
            on_globe("positions[%d]" % i, p["coordinates"])
    elif kind == "consignment_delivered":
        place(body["place"])
        seal_list(body["seals"])
        positive("gross_mass", body["gross_mass"])
        if "net_mass" in body:
            positive("net_mass", body["net_mass"])
        short = body.get("shortage")
        if short is not None:
            if short["packages"] == 0 and dec(short["net_mass"]["value"]) == 0:
                faults.append("a shortage of nothing")
            if dec(short["net_mass"]["value"]) < 0:
                faults.append("a negative shortage")
        documents("documents", body.get("documents", []))
    elif kind == "permission_granted":
        place(body["place"])
        if "valid_until" in body and parse_time(body["valid_until"]) <= parse_time(body["at"]):
            faults.append("valid_until is not after the grant")
        permits = body["permits"]
        if permits["type"] == "seal_removal":
            length("permits.seals", permits["seals"], 1, MAX_LIST)
            unique("permits.seals", permits["seals"])
    elif kind == "act_corrected":
        changes = body["changes"]
        if set(changes) == {"kind"}:
            faults.append("the correction changes no field")
        if changes["kind"] == "consignment_registered":
            if "goods" in changes:
                goods_lines(changes["goods"])
            if "certificates" in changes:
                certificates("changes.certificates", changes["certificates"])
            if "documents" in changes:
                documents("changes.documents", changes["documents"])
            if changes.get("packages") == 0:
                faults.append("changes.packages below 1")
        elif changes["kind"] == "incident_reported":
            for field in ("seals", "attachments"):
                if field in changes:
                    length("changes." + field, changes[field], 0, MAX_LIST)
    elif kind == "incident_followed_up":
        place(body["place"])
        length("attachments", body.get("attachments", []), 0, MAX_LIST)
    elif kind == "delivery_refused":
        place(body["place"])
        seal_list(body["seals"])
    elif kind == "consignment_returned":
        place(body["place"])
        seal_list(body["seals"])
        positive("gross_mass", body["gross_mass"])
    elif kind == "key_enrolled":
        if parse_time(body["valid_until"]) <= parse_time(body["valid_from"]):
            faults.append("valid_until is not after valid_from")
        if body["key"] == body["authority"]:
            faults.append("the authority enrolls its own key")
    elif kind == "kp_participants_listed":
        participants = body["participants"]
        length("participants", participants, 1, 300)
        unique("participants", (p["name"] for p in participants))
        for i, p in enumerate(participants):
            length("participants[%d].countries" % i, p["countries"], 1, MAX_LIST)
        unique("participants: countries", (c for p in participants for c in p["countries"]))
    elif kind == "certificates_issued":
        certificates("certificates", body["certificates"])
        length("certificates", body["certificates"], 1, MAX_LIST)
    elif kind == "kpc_returned":
        if parse_time(body["found_damaged_at"]) > parse_time(body["at"]):
            faults.append("found damaged after it was sent back")
    elif kind == "calendar_published":
        if not 2000 <= body["year"] <= 2200:
            faults.append("year outside 2000-2200")
        rest = body["weekly_rest"]
        length("weekly_rest", rest, 0, 6)
        unique("weekly_rest", rest)
        if any(not 1 <= d <= 7 for d in rest):
            faults.append("a weekly rest day outside ISO weekdays 1-7")
        days = body["days_off"] + body.get("working_days", [])
        length("days_off", body["days_off"], 0, 366)
        unique("days_off and working_days", days)
        if any(not d.startswith("%04d-" % body["year"]) for d in days):
            faults.append("a day of another year")
    elif kind == "seal_events_reported":
        events = body["events"]
        length("events", events, 1, MAX_SEAL_EVENTS)
        for i, e in enumerate(events):
            if "coordinates" in e:
                on_globe("events[%d].coordinates" % i, e["coordinates"])
            elif e["event"] == "position":
                faults.append("events[%d]: a position event without coordinates" % i)
        unique("events (seal, at, event)", ((e["seal"], e["at"], e["event"]) for e in events))
    elif kind == "post_registered":
        if "coordinates" in body:
            on_globe("coordinates", body["coordinates"])
        hours = body.get("working_hours")
        if hours is not None and hours["from"] >= hours["until"]:
            faults.append("working hours end before they begin")
    return faults


def absent_written(body, strict=True):
    """Optional members written although absent: null anywhere, or an empty optional list.
    Not strict: an object whose one member is null is the spelling of an enumeration value as an
    object ({"intact": null}, section 10), not an absent member."""
    found = []

    def walk(v, path):
        if v is None:
            found.append(path + " is null")
        elif isinstance(v, dict):
            if not strict and len(v) == 1 and None in v.values():
                return
            for k, item in v.items():
                walk(item, path + "/" + k)
        elif isinstance(v, list):
            for i, item in enumerate(v):
                walk(item, "%s/%d" % (path, i))

    walk(body, "")
    for field in OPTIONAL_LISTS.get(body.get("kind") if isinstance(body, dict) else None, ()):
        if body.get(field) == []:
            found.append("/%s is an empty optional list" % field)
    return found


def without_absent(value):
    """An envelope with every null member and every empty optional list left out."""
    if isinstance(value, dict):
        out = {k: without_absent(v) for k, v in value.items() if v is not None}
        for field in OPTIONAL_LISTS.get(out.get("kind"), ()):
            if out.get(field) == []:
                del out[field]
        return out
    if isinstance(value, list):
        return [without_absent(v) for v in value]
    return value


REGISTRY_KINDS = (
    "key_enrolled",
    "key_revoked",
    "kp_participants_listed",
    "calendar_published",
    "post_registered",
)


def required_signers(body):
    """The keys that must sign, in order (ActBody::required_signers)."""
    kind = body.get("kind")
    if kind == "custody_transferred":
        return [body["releasing"]["officer"], body["receiving"]["officer"]]
    if kind == "discrepancy_resolved" and body.get("supervisor") is not None:
        return [body["officer"], body["supervisor"]]
    if kind in REGISTRY_KINDS:
        return [body["authority"]]
    if kind == "seal_events_reported":
        return [body["operator"]]
    return [body["officer"]]


def signer_fault(body, signatures, count=None):
    """The signer-shape error code for these signatures, or None (check_signers)."""
    required = required_signers(body)
    if count is not None:
        required = required[:count]
    keys = [s["key"] for s in signatures]
    if any(k not in required for k in keys):
        return "unexpected_signer"
    if any(k not in keys for k in required):
        return "missing_signature"
    if keys != required:
        return "signature_order"
    return None


# ------------------------------------------------------------------------------------------------
# The checks
# ------------------------------------------------------------------------------------------------


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.signatures_verified = 0
        self.signatures_skipped = 0

    def vector(self, name, problems):
        if problems:
            self.failed += 1
            for p in problems:
                print("FAIL %s: %s" % (name, p))
        else:
            self.passed += 1

    def sig(self, key, signature, message):
        holds = signature_holds(key, signature, message)
        if holds is None:
            self.signatures_skipped += 1
        else:
            self.signatures_verified += 1
        return holds


def input_bytes(case):
    given = [k for k in ("input", "input_hex", "input_generated") if k in case]
    if len(given) != 1:
        raise ValueError("exactly one input form expected, got %s" % given)
    if "input" in case:
        return case["input"].encode("utf-8")
    if "input_hex" in case:
        return bytes.fromhex(case["input_hex"])
    g = case["input_generated"]
    return (g["prefix"] + g["repeat"] * g["count"] + g["suffix"]).encode("utf-8")


def check_keys(c, acts_file):
    keys = {}
    for k in acts_file["keys"]:
        problems = []
        seed = hashlib.sha256(k["seed_phrase"].encode("utf-8")).hexdigest()
        if seed != k["seed"]:
            problems.append("seed is not SHA-256 of the seed phrase")
        if HAVE_CRYPTOGRAPHY:
            public = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(k["seed"])).public_key()
            raw = public.public_bytes_raw()
            if raw.hex() != k["public_key"]:
                problems.append("public key does not derive from the seed")
        if not re.match(r"^[0-9a-f]{64}$", k["public_key"]):
            problems.append("public key is not 64 lower-case hex digits")
        keys[k["name"]] = k
        c.vector("key " + k["name"], problems)
    return keys


def check_act(c, v, keys, offer=False):
    problems = []
    body = v["body"]
    canonical = jcs(body)
    if canonical != v["canonical_body"]:
        problems.append("canonical_body is not the JCS form of body")
    if simple_jcs(body) != canonical:
        problems.append("json.dumps(sort_keys=True, ...) differs from JCS on a valid body")
    act_id = hashlib.sha256(v["canonical_body"].encode("utf-8")).hexdigest()
    if act_id != v["id"]:
        problems.append("id is not SHA-256 of canonical_body")
    if body.get("kind") != v["kind"]:
        problems.append("kind differs from body.kind")
    envelope = {"body": body, "signatures": v["signatures"]}
    if jcs(envelope) != v["envelope"]:
        problems.append("envelope is not the JCS form of body and signatures")
    try:
        parsed, dup = parse_strict(v["envelope"].encode("utf-8"))
        if dup or jcs_bytes(parsed) != v["envelope"].encode("utf-8"):
            problems.append("envelope is not canonical")
    except Malformed as e:
        problems.append("envelope does not parse: %s" % e)
    if len(v["envelope"].encode("utf-8")) > MAX_ACT_BYTES:
        problems.append("envelope is larger than max_act_bytes")
    for fault in grammar_faults(body):
        problems.append("%s field %s breaks the grammar: %r" % fault)
    fault = envelope_fault({"body": body, "signatures": v["signatures"]})
    if fault:
        problems.append("not an act of the format: %s" % fault)
    for fault in content_faults(body):
        problems.append("breaks a content rule: %s" % fault)
    for fault in absent_written(body):
        problems.append("an absent optional member is written: %s" % fault)
    fault = signer_fault(body, v["signatures"], 1 if offer else None)
    if fault:
        problems.append("signatures: %s" % fault)
    expected = [keys[s]["public_key"] for s in v["signers"]]
    if [s["key"] for s in v["signatures"]] != expected:
        problems.append("signature keys are not the named signers")
    message = SIGNATURE_CONTEXT + bytes.fromhex(v["id"])
    for name, s in zip(v["signers"], v["signatures"]):
        if c.sig(s["key"], s["signature"], message) is False:
            problems.append("signature by %s does not verify" % name)
        if HAVE_CRYPTOGRAPHY:
            private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(keys[name]["seed"]))
            if private.sign(message).hex() != s["signature"]:
                problems.append("signing again with %s's seed gives other bytes" % name)
    c.vector(("offer " if offer else "act ") + v["name"], problems)


SAME_ACT_RE = re.compile(r"Same act as (\S+), other bytes\.$")


# The decoder's codes for an input whose members or values break sections 3, 4 and 7.
FORM_CODES = (
    "unknown_field", "missing_field", "unknown_variant", "wrong_type", "bad_decimal", "bad_time",
    "bad_value",
)


def check_case(c, case, envelopes):
    problems = []
    data = input_bytes(case)
    expected = case["expected"]
    stage = case["stage"]
    name = "invalid " + case["name"]

    def done():
        c.vector(name, problems)

    if expected == "too_large":
        if len(data) <= MAX_ACT_BYTES:
            problems.append("input is not larger than the limit")
        return done()
    if len(data) > MAX_ACT_BYTES:
        problems.append("input is larger than the limit, expected %s" % expected)
        return done()
    try:
        value, duplicates = parse_strict(data)
    except Malformed as e:
        if expected != "malformed":
            problems.append("input is not valid JSON (%s), expected %s" % (e, expected))
        return done()
    if expected == "malformed":
        problems.append("input parses as JSON")
        return done()
    canonical = not duplicates and jcs_bytes(value) == data
    if expected == "non_canonical":
        # Cases named non_canonical/<spelling> are canonical JSON but spell a value otherwise
        # than the format does (null for an absent member, an array for an object, ...): the
        # fault is at the level of types, which this script does not model.
        if canonical and not case["name"].startswith("non_canonical/"):
            problems.append("input is in canonical form")
        if canonical and not envelope_fault(value):
            # Canonical JSON that spells the act otherwise (null, [], an array for an object):
            # the member sets of sections 3 and 4 refuse it.
            problems.append("the member sets and value grammars find nothing wrong")
        if canonical and isinstance(value, dict) and absent_written(value.get("body"), False):
            # An absent optional member written out: without it, the very act named.
            same = SAME_ACT_RE.search(case["description"])
            if not same or same.group(1) not in envelopes:
                problems.append("the description names no valid act this spells otherwise")
            elif jcs(without_absent(value)) != envelopes[same.group(1)]:
                problems.append(
                    "without its absent members written out it is not %s" % same.group(1)
                )
        return done()
    if not canonical:
        problems.append("input is not in canonical form, expected %s" % expected)
        return done()

    # The input reaches the typed stage. Check what this script knows of it: a fault of the
    # member sets and value grammars (sections 3, 4 and 7) where one is expected, and none
    # where the input must get past them (a content rule, the signers, a signature).
    body = value.get("body") if isinstance(value, dict) else None
    signatures = value.get("signatures") if isinstance(value, dict) else None
    form = envelope_fault(value)
    if expected in FORM_CODES and not form:
        problems.append("the member sets and value grammars find nothing wrong, expected %s" % expected)
        return done()
    if expected not in FORM_CODES and form:
        problems.append("not an act of the format (%s), expected %s" % (form, expected))
        return done()
    if expected in ("bad_decimal", "bad_time"):
        kinds = {f[0] for f in grammar_faults(value)}
        if ("decimal" if expected == "bad_decimal" else "time") not in kinds:
            problems.append("no field breaks the %s grammar" % expected[4:])
    elif expected == "invalid_content":
        try:
            faults = content_faults(body)
        except (KeyError, TypeError, AttributeError, decimal.InvalidOperation) as e:
            faults = []
            problems.append("not a well-typed body (%r), expected invalid_content" % e)
        if not faults and not problems:
            problems.append("breaks no content rule of section 5")
    elif expected in ("missing_signature", "unexpected_signer", "signature_order") or (
        expected == "not_a_handoff" or stage == "verify"
    ):
        fault = signer_fault(body, signatures, 1 if stage == "offer" else None)
        if expected == "not_a_handoff":
            if fault is not None or body.get("kind") == "custody_transferred":
                problems.append("not a well-formed offer of another kind")
        elif stage == "verify":
            if fault is not None:
                problems.append("signers are wrong (%s), the decoder would refuse it" % fault)
            act_id = hashlib.sha256(jcs_bytes(body)).digest()
            message = SIGNATURE_CONTEXT + act_id
            results = [c.sig(s["key"], s["signature"], message) for s in signatures]
            if all(r is True for r in results):
                problems.append("every signature verifies")
        elif fault != expected:
            problems.append("signers give %s, expected %s" % (fault, expected))
    done()


def registry_verdicts(root, bodies):
    """Each registry act's verdict under the pinned root key (docs/act-format.md section 9).

    bodies: {act id: body}. Who is a registrar is decided by the root's acts alone, so those are
    judged first, then every registrar's act against them.
    """

    def retroactive(body):
        return (
            body["kind"] == "key_enrolled"
            and parse_time(body["valid_from"]) < parse_time(body["at"])
            and "migrated_from" not in body
        )

    verdicts = {}
    registrar_windows = {}  # key -> [(from, until)] from the root's registrar enrollments
    registrar_revoked = {}  # key -> earliest effective_from of the root's revocations
    for act_id, body in bodies.items():
        if body["authority"] != root:
            continue
        if retroactive(body):
            verdicts[act_id] = "retroactive_enrollment"
            continue
        verdicts[act_id] = "holds"
        if body["kind"] == "key_enrolled" and body["role"] == "registrar":
            registrar_windows.setdefault(body["key"], []).append(
                (parse_time(body["valid_from"]), parse_time(body["valid_until"]))
            )
    for act_id, body in bodies.items():
        if body["authority"] == root and verdicts[act_id] == "holds":
            if body["kind"] == "key_revoked" and body["key"] in registrar_windows:
                t = parse_time(body["effective_from"])
                old = registrar_revoked.get(body["key"])
                registrar_revoked[body["key"]] = t if old is None else min(old, t)
    for act_id, body in bodies.items():
        signer = body["authority"]
        if signer == root:
            continue
        at = parse_time(body["at"])
        if retroactive(body):
            verdicts[act_id] = "retroactive_enrollment"
        elif signer not in registrar_windows:
            verdicts[act_id] = "not_a_registrar"
        elif signer in registrar_revoked and registrar_revoked[signer] <= at:
            verdicts[act_id] = "registrar_not_in_force"
        elif not any(f <= at < u for f, u in registrar_windows[signer]):
            verdicts[act_id] = "registrar_not_in_force"
        elif body["kind"] in ("kp_participants_listed", "calendar_published", "post_registered"):
            verdicts[act_id] = "holds"  # a registrar in force keeps the authority's lists
        elif body["kind"] == "key_enrolled" and body["role"] == "registrar":
            verdicts[act_id] = "beyond_registrar"
        elif body["kind"] == "key_revoked" and body["key"] in registrar_windows:
            verdicts[act_id] = "beyond_registrar"
        elif body["key"] in (signer, root):
            verdicts[act_id] = "beyond_registrar"
        else:
            verdicts[act_id] = "holds"
    return verdicts


def parse_time(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


def check_registry(c, registry_file):
    keys = {}
    for k in registry_file["keys"]:
        problems = []
        if HAVE_CRYPTOGRAPHY:
            seed = hashlib.sha256(k["seed_phrase"].encode("utf-8")).digest()
            raw = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
            if raw.hex() != k["public_key"]:
                problems.append("public key does not derive from the seed phrase")
        keys[k["public_key"]] = k["name"]
        c.vector("registry key " + k["name"], problems)
    root = registry_file["root"]
    bodies = {}
    for case in registry_file["acts"]:
        problems = []
        data = case["envelope"].encode("utf-8")
        try:
            value, duplicates = parse_strict(data)
        except Malformed as e:
            c.vector("registry " + case["name"], ["envelope does not parse: %s" % e])
            continue
        if duplicates or jcs_bytes(value) != data:
            problems.append("envelope is not canonical")
        body, signatures = value["body"], value["signatures"]
        act_id = hashlib.sha256(jcs_bytes(body)).hexdigest()
        if act_id != case["id"]:
            problems.append("id is not SHA-256 of the body's canonical form")
        if body["kind"] not in REGISTRY_KINDS:
            problems.append("not a registry act")
        fault = signer_fault(body, signatures)
        if fault:
            problems.append("signatures: %s" % fault)
        message = SIGNATURE_CONTEXT + bytes.fromhex(act_id)
        for sig in signatures:
            if c.sig(sig["key"], sig["signature"], message) is False:
                problems.append("signature by %s does not verify" % keys.get(sig["key"], sig["key"]))
        for f in grammar_faults(body):
            problems.append("%s field %s breaks the grammar: %r" % f)
        bodies[act_id] = body
        c.vector("registry " + case["name"] + " (form)", problems)
    verdicts = registry_verdicts(root, bodies)
    for case in registry_file["acts"]:
        got = verdicts.get(case["id"])
        problems = [] if got == case["verdict"] else [
            "the rules give %s, the file says %s" % (got, case["verdict"])
        ]
        c.vector("registry " + case["name"], problems)


def main():
    global MAX_ACT_BYTES
    directory = sys.argv[1] if len(sys.argv) > 1 else VECTORS
    with open(os.path.join(directory, "acts.json"), encoding="utf-8") as f:
        acts_file = json.load(f)
    with open(os.path.join(directory, "invalid.json"), encoding="utf-8") as f:
        invalid_file = json.load(f)
    MAX_ACT_BYTES = acts_file["max_act_bytes"]
    c = Checker()
    if bytes.fromhex(acts_file["signature_context_hex"]) != SIGNATURE_CONTEXT:
        c.vector("signature context", ["signature_context_hex differs"])
    keys = check_keys(c, acts_file)
    kinds = set()
    for v in acts_file["acts"]:
        check_act(c, v, keys)
        kinds.add(v["kind"])
    for v in acts_file["offers"]:
        check_act(c, v, keys, offer=True)
    all_kinds = {
        "consignment_registered", "seal_applied", "seal_checked", "seal_removed",
        "seal_replaced", "escort_assigned", "custody_transferred", "incident_reported",
        "position_reported", "arrival_notified", "consignment_delivered",
        "discrepancy_resolved", "permission_granted", "act_corrected", "escort_changed",
        "deadline_extended", "incident_followed_up", "delivery_refused",
        "consignment_returned", "key_enrolled", "key_revoked", "kp_participants_listed",
        "calendar_published", "post_registered", "department_notified", "expertise_concluded",
        "state_control_act_drawn", "certificates_issued", "kpc_returned", "kp_coupon_returned",
        "seal_events_reported",
    }
    if kinds != all_kinds:
        c.vector("every kind", ["kinds without a valid vector: %s" % sorted(all_kinds ^ kinds)])
    envelopes = {v["name"]: v["envelope"] for v in acts_file["acts"] + acts_file["offers"]}
    for case in invalid_file["cases"]:
        check_case(c, case, envelopes)
    registry_path = os.path.join(directory, "registry.json")
    if os.path.exists(registry_path):
        with open(registry_path, encoding="utf-8") as f:
            check_registry(c, json.load(f))
    else:
        c.vector("registry.json", ["missing"])

    if HAVE_CRYPTOGRAPHY:
        print("signatures: %d checked (strict ed25519, with cryptography)" % c.signatures_verified)
    else:
        print(
            "signatures: skipped (%d need the 'cryptography' package; %d refused by the "
            "pure-Python strictness checks alone)" % (c.signatures_skipped, c.signatures_verified)
        )
    print("vectors: %d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
