#!/usr/bin/env bash
# The JSON APIs against their own OpenAPI descriptions: schemathesis (from PyPI) reads
# /api/openapi.json of a real tamga-edge and a real tamga-central and sends what the description
# allows (and what it does not), checking that no answer is a 5xx and that every answer is one the
# description lists (status, content type, schema).
#
#   bash scripts/schemathesis.sh            # many examples per operation
#   bash scripts/schemathesis.sh --quick    # 20 examples per operation (CI does this)
#   TAMGA_SCHEMATHESIS_ONLY=edge bash scripts/schemathesis.sh --quick   # or =central
#
# A post node and central hold one consignment (registered and sealed at the post, synced): the
# one the descriptions give as their example. Central is tested on both of its ports: the staff
# port over HTTPS with a session (an auditor's and an administrator's: the roles between them
# reach every route) and the CSRF token, and the loopback port with the administration token
# from serve.json. POST /api/logout is left out of the staff runs (it would end the session the
# run uses).
#
# schemathesis is installed with pip into a virtual environment under
# $HOME/.cache/tamga/schemathesis the first time. Exits non-zero on any finding; the reports
# (JUnit) are kept in $TAMGA_SCHEMATHESIS_REPORTS (default: a temporary directory, printed).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
QUICK=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done
ONLY="${TAMGA_SCHEMATHESIS_ONLY:-}"
case "$ONLY" in ""|edge|central) ;; *) echo "TAMGA_SCHEMATHESIS_ONLY is edge or central, not $ONLY" >&2; exit 2 ;; esac
command -v cargo >/dev/null || { echo "error: cargo not found; install Rust from rustup.rs" >&2; exit 2; }
command -v python3 >/dev/null || { echo "error: python3 not found; install it (Debian: apt-get install python3 python3-venv)" >&2; exit 2; }

step() { printf '\n== [%ss] %s\n' "$SECONDS" "$*"; }
fail() { printf '\nSCHEMATHESIS FAILED: %s\n' "$*" >&2; exit 1; }

VENV="$HOME/.cache/tamga/schemathesis"
if [ ! -x "$VENV/bin/schemathesis" ]; then
  step "installing schemathesis into $VENV"
  python3 -m venv "$VENV" \
    || fail "could not make a virtual environment (Debian: apt-get install python3-venv)"
  "$VENV/bin/pip" install --quiet schemathesis || fail "pip could not install schemathesis from PyPI"
fi
ST="$VENV/bin/schemathesis"
"$ST" --version

step "building tamga-edge and tamga-central"
(cd "$REPO" && cargo build --quiet -p tamga-edge -p tamga-central)
BIN="${CARGO_TARGET_DIR:-$REPO/target}/debug"
export TAMGA_LOG="${TAMGA_LOG:-warn}"

W="$(mktemp -d "${TMPDIR:-/tmp}/tamga-schemathesis.XXXXXX")"
REPORTS="${TAMGA_SCHEMATHESIS_REPORTS:-$W/reports}"
mkdir -p "$REPORTS"
REPORTS="$(cd "$REPORTS" && pwd)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -z "${TAMGA_SCHEMATHESIS_REPORTS:-}" ]; then rm -rf "$W" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # wait_for LOG what
  for _ in $(seq 1 200); do grep -q "listening on" "$1" 2>/dev/null && return; sleep 0.1; done
  cat "$1" >&2; fail "$2 did not start"
}

if [ "$QUICK" = 1 ]; then EXAMPLES=20; else EXAMPLES=200; fi
CHECKS=not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance
FAILED=()
# run NAME URL [schemathesis options...]: one run, its findings noted.
run() {
  local name=$1 url=$2; shift 2
  step "schemathesis: $name ($url, $EXAMPLES examples per operation)"
  # Run in the temporary directory: schemathesis keeps its cache (.schemathesis/) where it runs.
  if (cd "$W" && "$ST" run "$url" --checks "$CHECKS" --max-examples "$EXAMPLES" --seed 1 \
      --phases examples,coverage,fuzzing --workers 1 --request-timeout 60 \
      --report junit --report-junit-path "$REPORTS/$name.xml" "$@"); then
    echo "   $name: no findings"
  else
    FAILED+=("$name")
  fi
}

# ---- central, a post node, and a consignment both hold ----
step "central and a post node with an officer; a consignment registered and sealed at the post"
export TAMGA_ROOT_PASSPHRASE="schemathesis root passphrase, not for real use"
central() { "$BIN/tamga-central" --data-dir "$W/central" "$@"; }
edge() { "$BIN/tamga-edge" --data-dir "$W/post" "$@"; }
CENTRAL_ADDR="127.0.0.1:$(free_port)"
STAFF_ADDR="127.0.0.1:$(free_port)"
EDGE_ADDR="127.0.0.1:$(free_port)"
mkdir -p "$W/offline"
central root init --root-key "$W/offline/root.key" >/dev/null
out=$(central init --unit HQ-RECON --listen "$CENTRAL_ADDR" --root-key "$W/offline/root.key")
unset TAMGA_ROOT_PASSPHRASE
CENTRAL_DEVICE=$(sed -n "s/^central's device key: \([0-9a-f]*\).*/\1/p" <<<"$out")
AUTHORITY=$(central authority | sed -n 's/^customs authority key: //p')
edge init --role post --unit MANAS-AIRPORT --authority "$AUTHORITY" --listen "$EDGE_ADDR" --central-unit HQ-RECON >/dev/null
echo 417417 | edge officer new --holder "Aibek Asanov" >/dev/null
OFFICER=$(edge officer list | cut -d' ' -f1)
DEVICE=$(edge status | sed -n 's/^device key: //p')
central enroll --key "$DEVICE" --role device --unit MANAS-AIRPORT --name "airport post PC" >/dev/null
central enroll --key "$OFFICER" --role post_officer --unit MANAS-AIRPORT --name "Aibek Asanov" --personal-number KG-0417 >/dev/null
central enrollment --out "$W/enrollment.acts" >/dev/null
edge record "$W/enrollment.acts" >/dev/null
# The consignment the descriptions give as their example (docs/examples/registration.json).
C=10609050/231126/0000123
sed -e "s/OFFICER/$OFFICER/" -e "s/DEADLINE/$(date -u -d '+8 hours' +%Y-%m-%dT%H:%M:%SZ)/" \
  -e "s/EXPIRES/$(date -u -d '+60 days' +%Y-%m-%dT00:00:00Z)/" \
  "$REPO/docs/examples/registration.json" >"$W/registration.json"
echo 417417 | edge act "$W/registration.json" >/dev/null
echo 417417 | edge seal apply -c "$C" --officer "$OFFICER" --seal KG-0042137 --on "safe-bag, one place" >/dev/null

secret_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["secret_base32"])'; }
AUDITOR_SECRET=$(printf 'an auditor passphrase for schemathesis\n' | central account add --username st-auditor-4817 \
  --name "Asel Auditor" --personal-number HQ-301 --role auditor --json | secret_of)
ADMIN_SECRET=$(printf 'an administrator passphrase for schemathesis\n' | central account add --username st-administrator-4817 \
  --name "Bakyt Administrator" --personal-number HQ-302 --role administrator --json | secret_of)

step "both serving; the post syncs with central"
TAMGA_CENTRAL_STAFF_LISTEN="$STAFF_ADDR" central serve >"$W/central.log" 2>&1 & PIDS+=("$!")
wait_for "$W/central.log" "central"
edge serve >"$W/post.log" 2>&1 & PIDS+=("$!")
wait_for "$W/post.log" "the post node"
edge add-peer --name central --url "https://$CENTRAL_ADDR" --key "$CENTRAL_DEVICE" >/dev/null
edge sync --peer central >/dev/null || fail "the post could not sync with central"
for _ in $(seq 1 100); do [ -s "$W/central/serve.json" ] && break; sleep 0.1; done
TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$W/central/serve.json")
curl -fs -o /dev/null -H "x-tamga-admin-token: $TOKEN" "http://$CENTRAL_ADDR/api/consignments/${C//\//%2F}" \
  || fail "central does not hold $C after the sync"

# ---- the edge node ----
if [ "$ONLY" != central ]; then
  run edge "http://$EDGE_ADDR/api/openapi.json"
fi

# ---- central: the staff port (two roles) and the loopback port ----
if [ "$ONLY" != edge ]; then
  STAFF_URL="https://localhost:${STAFF_ADDR##*:}"
  CERT="$W/central/staff-tls.crt"
  # login USER PASSWORD SECRET: prints "COOKIE CSRF" of a new session (the TOTP code of RFC 6238
  # computed here, as the person's authenticator app would).
  login() {
    python3 - "$STAFF_URL" "$CERT" "$@" <<'PY'
import base64, hashlib, hmac, http.client, json, ssl, struct, sys, time, urllib.parse
url, cert, user, password, secret = sys.argv[1:6]
key = base64.b32decode(secret + "=" * (-len(secret) % 8))
mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = mac[-1] & 15
code = "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)
u = urllib.parse.urlsplit(url)
c = http.client.HTTPSConnection(u.hostname, u.port, context=ssl.create_default_context(cafile=cert))
c.request("POST", "/api/login", json.dumps({"username": user, "password": password, "code": code}),
          {"Content-Type": "application/json"})
r = c.getresponse()
body = r.read()
if r.status != 200:
    sys.exit(f"login as {user} answered {r.status}: {body.decode(errors='replace')}")
cookie = next(v.split(";")[0] for k, v in r.getheaders() if k.lower() == "set-cookie")
print(cookie, json.loads(body)["csrf"])
PY
  }
  for who in auditor admin; do
    if [ "$who" = auditor ]; then
      read -r COOKIE CSRF < <(login st-auditor-4817 'an auditor passphrase for schemathesis' "$AUDITOR_SECRET")
    else
      read -r COOKIE CSRF < <(login st-administrator-4817 'an administrator passphrase for schemathesis' "$ADMIN_SECRET")
    fi
    [ -n "${CSRF:-}" ] || fail "could not log in as $who"
    run "central-staff-$who" "$STAFF_URL/api/openapi.json" --tls-verify "$CERT" \
      -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF" --exclude-path /api/logout
  done
  run central-loopback "http://$CENTRAL_ADDR/api/openapi.json" -H "x-tamga-admin-token: $TOKEN"
fi
for log in central post; do
  if grep -q "panicked" "$W/$log.log"; then
    grep -B2 -A8 "panicked" "$W/$log.log" >&2
    FAILED+=("$log panicked")
  fi
done

if [ "${#FAILED[@]}" -gt 0 ]; then
  fail "findings in: ${FAILED[*]} (reports in $REPORTS; set TAMGA_SCHEMATHESIS_REPORTS to keep them)"
fi
step "schemathesis: no findings"
