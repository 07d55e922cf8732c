#!/usr/bin/env bash
# The README's walkthrough, exactly: central enrolls an airport post node and an escort vehicle
# node and their officers; the post registers and seals a consignment and hands it over to the
# escort crew over the LAN. Run from the repository: bash scripts/edge-walkthrough.sh
# (nodes listen on 127.0.0.1:7301 and :7302; everything is made in a temporary directory).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
export TAMGA_LOG=warn
cargo build -p tamga-edge -p tamga-central
export PATH="${CARGO_TARGET_DIR:-$REPO/target}/debug:$PATH"
W=$(mktemp -d); cd "$W"

# Headquarters: the customs authority's root key (kept offline) enrolls central's registrar.
export TAMGA_ROOT_PASSPHRASE="walkthrough root passphrase"
CENTRAL_DEVICE=$(tamga-central --data-dir hq init --unit HQ-RECON --root-key root.key | sed -n "s/^central's device key: \([0-9a-f]*\).*/\1/p")
AUTHORITY=$(tamga-central --data-dir hq authority | sed -n 's/^customs authority key: //p')

# The two nodes, each pinned to the authority.
tamga-edge --data-dir airport init --role post --unit MANAS-AIRPORT --authority "$AUTHORITY" --listen 127.0.0.1:7301 --central-unit HQ-RECON
tamga-edge --data-dir vehicle init --role vehicle --unit ESCORT-BISHKEK --authority "$AUTHORITY" --listen 127.0.0.1:7302 --central-unit HQ-RECON

# Each officer creates a key on their own device, under a PIN (asked for; here given on stdin).
echo 417417 | tamga-edge --data-dir airport officer new --holder "Aibek Asanov"
echo 112011 | tamga-edge --data-dir vehicle officer new --holder "Nurlan Osmonov"
AIRPORT_OFFICER=$(tamga-edge --data-dir airport officer list | cut -d' ' -f1)
ESCORT_LEAD=$(tamga-edge --data-dir vehicle officer list | cut -d' ' -f1)
AIRPORT_DEVICE=$(tamga-edge --data-dir airport status | sed -n 's/^device key: //p')
VEHICLE_DEVICE=$(tamga-edge --data-dir vehicle status | sed -n 's/^device key: //p')

# Central enrolls both devices and both officers, and issues the enrollment file.
tamga-central --data-dir hq enroll --key "$AIRPORT_DEVICE" --role device --unit MANAS-AIRPORT --name "airport post PC"
tamga-central --data-dir hq enroll --key "$VEHICLE_DEVICE" --role device --unit ESCORT-BISHKEK --name "escort tablet 01"
tamga-central --data-dir hq enroll --key "$AIRPORT_OFFICER" --role post_officer --unit MANAS-AIRPORT --name "Aibek Asanov" --personal-number KG-0417
tamga-central --data-dir hq enroll --key "$ESCORT_LEAD" --role escort_officer --unit ESCORT-BISHKEK --name "Nurlan Osmonov" --personal-number KG-1120
tamga-central --data-dir hq enrollment --out enrollment.acts
tamga-edge --data-dir airport record enrollment.acts
tamga-edge --data-dir vehicle record enrollment.acts

# Both nodes run; each knows the other.
tamga-edge --data-dir airport serve & AIRPORT_PID=$!
tamga-edge --data-dir vehicle serve & VEHICLE_PID=$!
trap 'kill $AIRPORT_PID $VEHICLE_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
sleep 1
tamga-edge --data-dir airport add-peer --name vehicle --url https://127.0.0.1:7302 --key "$VEHICLE_DEVICE"
tamga-edge --data-dir vehicle add-peer --name airport --url https://127.0.0.1:7301 --key "$AIRPORT_DEVICE"

# The airport post registers the diamonds, seals the safe-bag, assigns the escort.
C=10609050/231126/0000123
sed -e "s/OFFICER/$AIRPORT_OFFICER/" -e "s/DEADLINE/$(date -u -d '+8 hours' +%Y-%m-%dT%H:%M:%SZ)/" \
      -e "s/EXPIRES/$(date -u -d '+60 days' +%Y-%m-%dT00:00:00Z)/" \
  "$REPO/docs/examples/registration.json" > registration.json
echo 417417 | tamga-edge --data-dir airport act registration.json
echo 417417 | tamga-edge --data-dir airport seal apply -c $C --officer "$AIRPORT_OFFICER" --seal KG-0042137 --on "safe-bag, one place"
echo 417417 | tamga-edge --data-dir airport escort -c $C --officer "$AIRPORT_OFFICER" --unit ESCORT-BISHKEK \
  --vehicle "01 KG 777 ABC" --in-charge "$ESCORT_LEAD" --crew "$ESCORT_LEAD"

# The airport officer offers custody to the escort lead, over the LAN.
echo 417417 | tamga-edge --data-dir airport handoff offer -c $C --officer "$AIRPORT_OFFICER" \
  --to-unit ESCORT-BISHKEK --to-officer "$ESCORT_LEAD" \
  --seal KG-0042137:intact --packages 1 --gross-mass "0.412 kg" --send vehicle

# In the vehicle: fetch the consignment, check the offer against your own count, countersign.
tamga-edge --data-dir vehicle sync
tamga-edge --data-dir vehicle handoff list
OFFER=$(tamga-edge --data-dir vehicle handoff list | cut -d' ' -f1)
echo 112011 | tamga-edge --data-dir vehicle handoff accept "$OFFER" --officer "$ESCORT_LEAD" \
  --seal KG-0042137:intact --packages 1 --gross-mass "0.412 kg"
tamga-edge --data-dir airport show $C
shown=$(tamga-edge --data-dir airport show $C)
grep -q "custodian: ESCORT-BISHKEK" <<<"$shown" \
  || { echo "walkthrough: custody did not reach the escort" >&2; exit 1; }

# Headquarters comes online: both nodes sync with central, whose dashboard shows the consignment.
tamga-central --data-dir hq serve >central.log 2>&1 & CENTRAL_PID=$!
trap 'kill $AIRPORT_PID $VEHICLE_PID $CENTRAL_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
sleep 1
for node in airport vehicle; do
  tamga-edge --data-dir $node add-peer --name central --url https://127.0.0.1:7400 --key "$CENTRAL_DEVICE"
  tamga-edge --data-dir $node sync --peer central
done
TOKEN=$(python3 -c 'import json; print(json.load(open("hq/serve.json"))["token"])')
shown=$(curl -s -H "x-tamga-admin-token: $TOKEN" "http://127.0.0.1:7400/api/consignments/10609050%2F231126%2F0000123")
grep -q '"ESCORT-BISHKEK"' <<<"$shown" \
  || { echo "walkthrough: central does not show the consignment with the escort" >&2; exit 1; }
echo "walkthrough: central holds the consignment, custody with ESCORT-BISHKEK (dashboard: https://localhost:7443/, after tamga-central account add)"
echo "walkthrough: custody passed from MANAS-AIRPORT to ESCORT-BISHKEK with both signatures"
