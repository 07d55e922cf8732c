#!/usr/bin/env bash
# The main job: the escorted delivery of DOMAIN.md on real processes. A tamga-central, a post
# node at the Manas airport post, a post node at the Precious Metals Department and the escort
# crew's vehicle node, each its own process with its own data directory on loopback ports.
#
# Rough diamonds with a Kimberley Process certificate arrive, are registered and sealed at the
# airport post, handed to the escort crew (two signatures, over the LAN), carried while the
# Department's post is offline, checked at a stop, handed over at the Department and delivered;
# when the links come back everything is reconciled at central. On the way the record shows how
# it is kept: the vehicle's plate, mistyped, is corrected by a new act naming the old one (never
# edited), and the airport post relieves the officer in charge, so the second officer hands the
# goods over at the Department. Then the same story again with one fault: a seal replaced on the
# way without permission, which central must show with the act that proves it.
#
#   bash scripts/demo.sh                 # leaves the nodes running for a look in the browser
#   bash scripts/demo.sh --unattended    # exits at the end (CI does this)
#   bash scripts/demo.sh --installed     # the binaries the Debian packages installed in /usr/bin
#                                        # (or those in $TAMGA_BIN_DIR), not a build of this tree
#
# Exits non-zero if any step's outcome is not what the story says. Cleans up either way.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
UNATTENDED=0
for arg in "$@"; do
  case "$arg" in
    --unattended) UNATTENDED=1 ;;
    --installed) TAMGA_BIN_DIR="${TAMGA_BIN_DIR:-/usr/bin}" ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "${CI:-}" ] && UNATTENDED=1
if [ -z "${TAMGA_BIN_DIR:-}" ]; then
  command -v cargo >/dev/null || { echo "error: cargo not found; install Rust from rustup.rs" >&2; exit 2; }
fi

say() { printf '%s\n' "$*"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { printf '\n\033[31mDEMO FAILED: %s\033[0m\n' "$*" >&2; exit 1; }
expect() { # expect "what" "text" "pattern"
  grep -q -- "$3" <<<"$2" || { printf '%s\n' "$2" >&2; fail "$1: expected \"$3\""; }
  say "   ✓ $1"
}

if [ -n "${TAMGA_BIN_DIR:-}" ]; then
  step "using the installed tamga-edge and tamga-central in $TAMGA_BIN_DIR"
  BIN="$TAMGA_BIN_DIR"
  for b in tamga-edge tamga-central; do
    [ -x "$BIN/$b" ] || { echo "error: $BIN/$b is not installed (apt install ./${b}_*.deb)" >&2; exit 2; }
  done
else
  step "building tamga-edge and tamga-central"
  (cd "$REPO" && cargo build --quiet -p tamga-edge -p tamga-central)
  BIN="${CARGO_TARGET_DIR:-$REPO/target}/debug"
fi
export TAMGA_LOG="${TAMGA_LOG:-warn}"

W="$(mktemp -d "${TMPDIR:-/tmp}/tamga-demo.XXXXXX")"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}" $(jobs -p); do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$W" 2>/dev/null || { sleep 1; rm -rf "$W"; }
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
CENTRAL_ADDR="127.0.0.1:$(free_port)"
AIRPORT_ADDR="127.0.0.1:$(free_port)"
DEPT_ADDR="127.0.0.1:$(free_port)"
VEHICLE_ADDR="127.0.0.1:$(free_port)"
STAFF_ADDR="127.0.0.1:$(free_port)"

central() { "$BIN/tamga-central" --data-dir "$W/central" "$@"; }
edge() { local node=$1; shift; "$BIN/tamga-edge" --data-dir "$W/$node" "$@"; }
# signed: a command that asks for a PIN, given on standard input.
signed() { local pin=$1; shift; echo "$pin" | "$@"; }

# Serving processes: start, and stop (the Department's post goes offline and comes back).
declare -A SERVING
serve_node() {
  local node=$1
  "$BIN/tamga-edge" --data-dir "$W/$node" serve >"$W/$node.log" 2>&1 &
  SERVING[$node]=$!; PIDS+=("$!")
  for _ in $(seq 1 100); do grep -q "listening on" "$W/$node.log" 2>/dev/null && return; sleep 0.1; done
  cat "$W/$node.log" >&2; fail "$node did not start"
}
stop_node() {
  local node=$1
  kill "${SERVING[$node]}" && wait "${SERVING[$node]}" 2>/dev/null || true
  unset "SERVING[$node]"
}

step "headquarters: the customs authority's root key (offline, under a passphrase) and central"
# The root key file would live on a removable medium kept offline; `init` opens it once to
# enroll central's registrar key, and central never holds it.
export TAMGA_ROOT_PASSPHRASE="demo root passphrase, not for real use"
mkdir -p "$W/offline"
central root init --root-key "$W/offline/root.key" >/dev/null
out=$(central init --unit HQ-RECON --listen "$CENTRAL_ADDR" --root-key "$W/offline/root.key")
unset TAMGA_ROOT_PASSPHRASE
AUTHORITY=$(central authority | sed -n 's/^customs authority key: //p')
CENTRAL_DEVICE=$(sed -n "s/^central's device key: \([0-9a-f]*\).*/\1/p" <<<"$out")
say "   authority key $AUTHORITY"

step "three edge nodes: the airport post, the Department's post, the escort vehicle"
edge airport init --role post --unit MANAS-AIRPORT --authority "$AUTHORITY" --listen "$AIRPORT_ADDR" --central-unit HQ-RECON >/dev/null
edge department init --role post --unit PMD-BISHKEK --authority "$AUTHORITY" --listen "$DEPT_ADDR" --central-unit HQ-RECON >/dev/null
edge vehicle init --role vehicle --unit ESCORT-BISHKEK --authority "$AUTHORITY" --listen "$VEHICLE_ADDR" --central-unit HQ-RECON >/dev/null
device() { edge "$1" status | sed -n 's/^device key: //p'; }
AIRPORT_DEVICE=$(device airport); DEPT_DEVICE=$(device department); VEHICLE_DEVICE=$(device vehicle)

step "officers make their keys on their own devices (under a PIN); central enrolls them"
new_officer() { # node holder pin -> key id
  signed "$3" edge "$1" officer new --holder "$2" | sed -n 's/^officer key created for .*: //p'
}
AIRPORT_OFFICER=$(new_officer airport "Aibek Asanov" 417417)
ESCORT_LEAD=$(new_officer vehicle "Nurlan Osmonov" 112011)
ESCORT_SECOND=$(new_officer vehicle "Timur Bekov" 113311)
DEPT_OFFICER=$(new_officer department "Gulnara Sydykova" 303131)
central enroll --key "$AIRPORT_DEVICE" --role device --unit MANAS-AIRPORT --name "Manas airport post PC" >/dev/null
central enroll --key "$DEPT_DEVICE" --role device --unit PMD-BISHKEK --name "Department post PC" >/dev/null
central enroll --key "$VEHICLE_DEVICE" --role device --unit ESCORT-BISHKEK --name "escort vehicle tablet 01" >/dev/null
central enroll --key "$AIRPORT_OFFICER" --role post_officer --unit MANAS-AIRPORT --name "Aibek Asanov" --personal-number KG-0417 >/dev/null
central enroll --key "$ESCORT_LEAD" --role escort_officer --unit ESCORT-BISHKEK --name "Nurlan Osmonov" --personal-number KG-1120 >/dev/null
central enroll --key "$ESCORT_SECOND" --role escort_officer --unit ESCORT-BISHKEK --name "Timur Bekov" --personal-number KG-1133 >/dev/null
central enroll --key "$DEPT_OFFICER" --role precious_metals_officer --unit PMD-BISHKEK --name "Gulnara Sydykova" --personal-number PMD-031 >/dev/null
central enrollment --out "$W/enrollment.acts" >/dev/null
for node in airport department vehicle; do
  out=$(edge $node record "$W/enrollment.acts")
  expect "$node imported the enrollment" "$out" "9 new acts recorded"
done

step "peers: the posts and the vehicle know each other and central"
edge airport add-peer --name vehicle --url "https://$VEHICLE_ADDR" --key "$VEHICLE_DEVICE" >/dev/null
edge airport add-peer --name central --url "https://$CENTRAL_ADDR" --key "$CENTRAL_DEVICE" >/dev/null
edge department add-peer --name vehicle --url "https://$VEHICLE_ADDR" --key "$VEHICLE_DEVICE" >/dev/null
edge department add-peer --name central --url "https://$CENTRAL_ADDR" --key "$CENTRAL_DEVICE" >/dev/null
edge vehicle add-peer --name airport --url "https://$AIRPORT_ADDR" --key "$AIRPORT_DEVICE" >/dev/null
edge vehicle add-peer --name department --url "https://$DEPT_ADDR" --key "$DEPT_DEVICE" >/dev/null
edge vehicle add-peer --name central --url "https://$CENTRAL_ADDR" --key "$CENTRAL_DEVICE" >/dev/null

serve_node airport
serve_node vehicle

# One delivery. $1: the consignment id; $2: the seal; $3: "clean" or "seal-replaced".
deliver() {
  local C=$1 SEAL=$2 FAULT=$3 SEAL_NOW=$2 PLATE="01 KG 777 ABC"
  # Who hands over at the Department, and with what PIN: the lead, or (after the crew change of
  # the clean delivery) the second officer.
  local HANDER=$ESCORT_LEAD HANDER_PIN=112011
  step "[$C] the airport post registers the rough diamonds with their Kimberley Process certificate"
  sed -e "s#10609050/231126/0000123#$C#g" -e "s/OFFICER/$AIRPORT_OFFICER/" \
      -e "s/DEADLINE/$(date -u -d '+8 hours' +%Y-%m-%dT%H:%M:%SZ)/" \
      -e "s/EXPIRES/$(date -u -d '+60 days' +%Y-%m-%dT00:00:00Z)/" \
      "$REPO/docs/examples/registration.json" >"$W/registration.json"
  out=$(signed 417417 edge airport act "$W/registration.json")
  expect "registered (signed by Aibek Asanov, KG-0417)" "$out" "recorded consignment_registered"

  step "[$C] sealed and the escort crew assigned"
  out=$(signed 417417 edge airport seal apply -c "$C" --officer "$AIRPORT_OFFICER" --seal "$SEAL" --on "safe-bag, one place")
  expect "seal $SEAL applied to the safe-bag" "$out" "recorded seal_applied"
  [ "$FAULT" = clean ] && PLATE="01 KG 771 ABC"
  out=$(signed 417417 edge airport escort -c "$C" --officer "$AIRPORT_OFFICER" --unit ESCORT-BISHKEK \
        --vehicle "$PLATE" --in-charge "$ESCORT_LEAD" --crew "$ESCORT_LEAD" --crew "$ESCORT_SECOND")
  expect "escort ESCORT-BISHKEK assigned, vehicle $PLATE" "$out" "recorded escort_assigned"
  if [ "$FAULT" = clean ]; then
    local assignment=${out##* }
    out=$(signed 417417 edge airport correct -c "$C" --officer "$AIRPORT_OFFICER" --act "$assignment" \
          --vehicle "01 KG 777 ABC" --reason "plate mistyped: the vehicle is 01 KG 777 ABC")
    expect "the mistyped plate corrected by a new act naming ${assignment:0:12} (the assignment stays as signed)" "$out" "recorded act_corrected"
  fi

  step "[$C] handed to the escort crew over the LAN: offered by the airport officer, countersigned by the escort lead"
  out=$(signed 417417 edge airport handoff offer -c "$C" --officer "$AIRPORT_OFFICER" \
        --to-unit ESCORT-BISHKEK --to-officer "$ESCORT_LEAD" \
        --seal "$SEAL:intact" --packages 1 --gross-mass "0.412 kg" --send vehicle)
  expect "offer sent to the vehicle" "$out" "sent over the LAN"
  edge vehicle sync --peer airport >/dev/null
  local offer
  offer=$(edge vehicle handoff list | awk -v c="$C" '$3 == "open" && $4 == c {print $1; exit}')
  [ -n "$offer" ] || fail "the vehicle has no open offer for $C"
  out=$(signed 112011 edge vehicle handoff accept "$offer" --officer "$ESCORT_LEAD" \
        --seal "$SEAL:intact" --packages 1 --gross-mass "0.412 kg")
  expect "the escort lead's own count matches the offer" "$out" "no discrepancy"
  expect "custody taken over, completed act returned to the airport post" "$out" "sent back to the releasing node"

  step "[$C] on the road, the Department's post offline: positions, a seal check at a stop"
  out=$(signed 112011 edge vehicle position -c "$C" --officer "$ESCORT_LEAD" \
        --fix "$(date -u -d '-3 minutes' +%Y-%m-%dT%H:%M:%SZ),43.0612,74.4776" \
        --fix "$(date -u -d '-1 minutes' +%Y-%m-%dT%H:%M:%SZ),42.8746,74.6122")
  expect "positions recorded" "$out" "recorded position_reported"
  out=$(signed 113311 edge vehicle seal check -c "$C" --officer "$ESCORT_SECOND" --seal "$SEAL" --state intact \
        --road "Bishkek ring road, km 14, fuel stop" --lat 42.8921 --lon 74.7310)
  expect "seal $SEAL checked intact by Timur Bekov (KG-1133)" "$out" "recorded seal_checked"
  if [ "$FAULT" = seal-replaced ]; then
    SEAL_NOW="${SEAL}R"
    out=$(signed 112011 edge vehicle seal replace -c "$C" --officer "$ESCORT_LEAD" --old "$SEAL" --old-state intact \
          --new "$SEAL_NOW" --on "safe-bag, one place" --basis threat_of_loss \
          --road "Bishkek ring road, km 21")
    expect "FAULT: seal $SEAL replaced by $SEAL_NOW on the road, claiming a threat, no incident reported" "$out" "recorded seal_replaced"
  fi

  if [ "$FAULT" = clean ]; then
    step "[$C] the officer in charge falls ill: the airport post orders a crew change, the second officer takes charge"
    out=$(signed 417417 edge airport change-escort -c "$C" --officer "$AIRPORT_OFFICER" --post MANAS-AIRPORT \
          --unit ESCORT-BISHKEK --vehicle "01 KG 777 ABC" --in-charge "$ESCORT_SECOND" --crew "$ESCORT_SECOND" \
          --reason "the officer in charge is taken ill on the road")
    expect "crew change ordered by the airport post (Aibek Asanov, KG-0417)" "$out" "recorded escort_changed"
    edge vehicle sync --peer airport >/dev/null
    HANDER=$ESCORT_SECOND HANDER_PIN=113311
  fi

  step "[$C] at the Department: its post comes back online, arrival is notified, custody passes"
  serve_node department
  edge vehicle sync --peer department >/dev/null
  out=$(signed $HANDER_PIN edge vehicle arrive -c "$C" --officer "$HANDER" \
        --arrived-at "$(date -u -d '-2 minutes' +%Y-%m-%dT%H:%M:%SZ)" --post PMD-BISHKEK)
  expect "arrival notified within 30 minutes" "$out" "recorded arrival_notified"
  out=$(signed $HANDER_PIN edge vehicle handoff offer -c "$C" --officer "$HANDER" --post PMD-BISHKEK \
        --to-unit PMD-BISHKEK --to-officer "$DEPT_OFFICER" \
        --seal "$SEAL_NOW:intact" --packages 1 --gross-mass "0.412 kg" --send department)
  expect "offer sent to the Department's post" "$out" "sent over the LAN"
  edge department sync --peer vehicle >/dev/null 2>&1 || true
  offer=$(edge department handoff list | awk -v c="$C" '$3 == "open" && $4 == c {print $1; exit}')
  [ -n "$offer" ] || fail "the Department has no open offer for $C"
  out=$(signed 303131 edge department handoff accept "$offer" --officer "$DEPT_OFFICER" \
        --seal "$SEAL_NOW:intact" --packages 1 --gross-mass "0.412 kg")
  if [ "$FAULT" = seal-replaced ]; then
    expect "before countersigning, the Department's officer is shown the replaced seal" "$out" "seal_removed_without_grounds"
  fi
  expect "custody passed to the Department (Gulnara Sydykova, PMD-031)" "$out" "custody taken over"
  out=$(signed 303131 edge department deliver -c "$C" --officer "$DEPT_OFFICER" \
        --seal "$SEAL_NOW:intact" --packages 1 --gross-mass "0.412 kg")
  expect "delivered: transit ends" "$out" "recorded consignment_delivered"
  out=$(edge department show "$C")
  expect "the Department's node shows it delivered" "$out" "delivered"
  stop_node department
}

deliver 10609050/231126/0000123 KG-0042137 clean
deliver 10609050/231126/0000124 KG-0042140 seal-replaced

step "links come back: central starts, every node syncs with it"
TAMGA_CENTRAL_STAFF_LISTEN="$STAFF_ADDR" "$BIN/tamga-central" --data-dir "$W/central" serve >"$W/central.log" 2>&1 & PIDS+=("$!")
for _ in $(seq 1 100); do curl -fs "http://$CENTRAL_ADDR/health" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://$CENTRAL_ADDR/health" >/dev/null || { cat "$W/central.log" >&2; fail "central did not start"; }
serve_node department
for node in department vehicle airport; do
  out=$(edge $node sync --peer central 2>&1) || fail "$node could not sync with central: $out"
  expect "$node synced with central" "$out" "central: synced"
done

step "what the story says, checked"
out=$(edge airport show 10609050/231126/0000123)
expect "the airport post, through central, learns the clean delivery was delivered" "$out" "consignment 10609050/231126/0000123: delivered"

# What central must show of a delivery: $1 "clean" or "seal-replaced"; central's JSON on stdin.
CENTRAL_CHECK=$(cat <<'PY'
import json, sys
want = sys.argv[1]
view = json.load(sys.stdin)
a = view["assessment"]
kinds = {x["id"]: x["kind"] for x in view["acts"]}
open_ = [d for d in a["discrepancies"] if d.get("resolution") is None]
assert a["state"]["status"] == "delivered", a["state"]["status"]
chain = [kinds.get(i) for i in a["state"]["custody_chain"]]
assert chain == ["custody_transferred"] * 2, chain
assert a["state"]["custodian"]["unit"] == "PMD-BISHKEK", a["state"]["custodian"]
assert not a["rejected"], a["rejected"]
if want == "clean":
    serious = [d for d in open_ if d["severity"] in ("critical", "major")]
    assert not serious, serious
    escort = a["state"]["escort"]
    assert escort["vehicle"] == "01 KG 777 ABC", escort
    assert len(escort.get("changes", [])) == 1, escort
    corrected = a["state"].get("corrections", {})
    assert [kinds.get(i) for i in corrected] == ["escort_assigned"], corrected
    print("   ✓ central: delivered, custody airport → escort → Department, every signature verified, no discrepancy")
    print("   ✓ central: the plate as corrected (the assignment kept as signed, its correction beside it);")
    print("     the crew changed once on the way, handed over by the officer then in charge")
else:
    found = [d for d in open_ if d["kind"] == "seal_removed_without_grounds"]
    assert found and found[0]["severity"] == "critical", open_
    proof = [kinds.get(i) for i in found[0]["acts"]]
    assert "seal_replaced" in proof, proof
    print("   ✓ central: delivered, but " + found[0]["summary"])
    print("     proven by the act " + ", ".join(i for i in found[0]["acts"] if kinds.get(i) == "seal_replaced"))
PY
)
# Central's loopback API answers the administration CLI only: the token from its serve.json.
central_token() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$W/central/serve.json"; }
check_central() {
  local c=$1 want=$2 json
  json=$(curl -fs -H "x-tamga-admin-token: $(central_token)" "http://$CENTRAL_ADDR/api/consignments/${c//\//%2F}") || fail "central does not show $c"
  python3 -c "$CENTRAL_CHECK" "$want" <<<"$json" || fail "central's view of $c is not what the story says"
}
check_central 10609050/231126/0000123 clean
check_central 10609050/231126/0000124 seal-replaced

step "headquarters staff at their own desks: the dashboard over HTTPS, with a login"
out=$(printf 'an auditor passphrase for the demo\n' | central account add --username auditor \
      --name "Asel Auditor" --personal-number HQ-301 --role auditor --json) \
  || fail "central could not add the auditor's account: $out"
SECRET=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["secret_base32"])' <<<"$out")
say "   ✓ an auditor's account: a password and a second factor (the secret goes into an authenticator app)"
say "     user auditor, password \"an auditor passphrase for the demo\", TOTP secret $SECRET"
# The auditor's phone: the 6-digit code of RFC 6238 from the secret.
CODE=$(python3 - "$SECRET" <<'PY'
import base64, hashlib, hmac, struct, sys, time
key = base64.b32decode(sys.argv[1] + "=" * (-len(sys.argv[1]) % 8))
mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000))
PY
)
STAFF_URL="https://localhost:${STAFF_ADDR##*:}"
CA=(--cacert "$W/central/staff-tls.crt")
FP=$(openssl x509 -in "$W/central/staff-tls.crt" -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//') || FP=""
[ -n "$FP" ] && say "   the staff port's certificate, SHA-256 $FP (as \`init\` printed it)"
status=$(curl -s -o /dev/null -w '%{http_code}' "${CA[@]}" "$STAFF_URL/api/overview")
expect "without a login the API answers 401" "$status" "401"
status=$(curl -s -o "$W/login.json" -w '%{http_code}' "${CA[@]}" -c "$W/cookies" -H 'content-type: application/json' \
  -d "{\"username\":\"auditor\",\"password\":\"an auditor passphrase for the demo\",\"code\":\"$CODE\"}" "$STAFF_URL/api/login")
expect "the auditor logs in over HTTPS with the password and the code" "$status" "200"
CSRF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf"])' "$W/login.json")
out=$(curl -fs "${CA[@]}" -b "$W/cookies" "$STAFF_URL/api/consignments/10609050%2F231126%2F0000124") || fail "the auditor cannot read the consignment"
expect "the auditor reads the faulty delivery" "$out" "seal_removed_without_grounds"
out=$(curl -s "${CA[@]}" -b "$W/cookies" -H 'content-type: application/json' -H "x-csrf-token: $CSRF" \
  -d '{}' "$STAFF_URL/api/discrepancies/0/resolve")
expect "an auditor may not resolve" "$out" "auditor may not"
out=$(curl -fs "${CA[@]}" -b "$W/cookies" "$STAFF_URL/api/audit")
expect "the audit trail records the login and the view, its hash chain intact" "$out" '"chain":"intact"'

step "evidence: what reached headquarters, and a package anyone can check offline"
out=$(edge airport show 10609050/231126/0000123) || fail "the airport post cannot show the consignment: $out"
expect "the airport post shows, per act, when central's transparency log received it" "$out" "received by central at"
out=$(central evidence 10609050/231126/0000123 --out "$W/evidence.json") || fail "central could not write the evidence package: $out"
expect "central wrote the evidence package: every signed act, the registry acts, a log receipt each" "$out" "evidence of 10609050/231126/0000123 written"
if python3 -c 'import cryptography' 2>/dev/null; then
  out=$(python3 "$REPO/scripts/check-evidence.py" "$W/evidence.json" --authority "$AUTHORITY") \
    || { printf '%s\n' "$out" >&2; fail "the evidence package did not verify offline"; }
  expect "checked offline without tamga's code (scripts/check-evidence.py): every signature, receipt and the signed tree head" "$out" "^VERIFIED"
else
  say "   (python's 'cryptography' package is missing: pip install cryptography, then"
  say "    python3 scripts/check-evidence.py $W/evidence.json --authority $AUTHORITY)"
fi
say "   the same file opens in central/ui/verify.html (or http://$CENTRAL_ADDR/verify.html), a page that works from disk"

step "done"
say "Both deliveries told in signed acts on four real processes."
say "  clean delivery:  10609050/231126/0000123 — delivered, custody chain airport → escort → Department;"
say "                   a mistyped plate corrected, the crew changed on the way"
say "  faulty delivery: 10609050/231126/0000124 — seal replaced on the road without permission: seal_removed_without_grounds"
say "Where to look:"
say "  central's dashboard: $STAFF_URL (HTTPS; log in as auditor, the password above, a code from the secret;"
say "                       consignment 10609050/231126/0000124 shows the discrepancy and its proof)"
say "  the airport post's UI:  http://$AIRPORT_ADDR/"
say "  the vehicle's UI:       http://$VEHICLE_ADDR/"
if [ "$UNATTENDED" = 0 ]; then
  say ""
  say "The nodes keep running for a look in the browser. Press Ctrl-C to stop them and clean up."
  # Waiting on a background sleep lets Ctrl-C reach the cleanup at once.
  while true; do sleep 3600 & wait $!; done
fi
