#!/usr/bin/env bash
# The Debian packages: builds tamga-edge and tamga-central's .deb files (cargo-deb), installs them
# on this machine with dpkg, checks what they installed (the tamga user, the data directories and
# their modes, the environment files, the units with systemd-analyze verify), runs the installed
# tamga-edge as the units run it (user tamga, the environment file, the data directory under
# /var/lib/tamga) through init, serve, a backup through the running node and a restore, an upgrade
# of the package (the node and the edited environment file kept), then the demo's story on the
# installed binaries. Needs root; meant for CI and test machines (it installs
# the packages and leaves them installed, with their data directories emptied).
#
#   bash scripts/package.sh            # everything above
#   bash scripts/package.sh --build    # only build the packages (target/debian/*.deb)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --build) BUILD_ONLY=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
fail() { echo "PACKAGE CHECK FAILED: $*" >&2; exit 1; }
ok() { echo "   ✓ $*"; }

echo "== building the packages"
command -v cargo-deb >/dev/null || cargo install --quiet --locked cargo-deb
rm -f "$CARGO_TARGET_DIR"/debian/tamga-*.deb
for p in tamga-edge tamga-central; do
  cargo deb --quiet -p "$p" >/dev/null
done
ls -l "$CARGO_TARGET_DIR"/debian/tamga-*.deb
[ "$BUILD_ONLY" = 1 ] && exit 0

[ "$(id -u)" = 0 ] || fail "installing the packages needs root"
echo "== installing them with dpkg"
DEBIAN_FRONTEND=noninteractive dpkg -i "$CARGO_TARGET_DIR"/debian/tamga-edge_*.deb "$CARGO_TARGET_DIR"/debian/tamga-central_*.deb >/dev/null
for p in tamga-edge tamga-central; do
  dpkg -s "$p" | grep -q '^Status: install ok installed' || fail "$p is not installed"
  [ -x "/usr/bin/$p" ] || fail "/usr/bin/$p missing"
done
ok "both packages installed"
id tamga >/dev/null 2>&1 || fail "no tamga user"
[ "$(getent passwd tamga | cut -d: -f7)" = /usr/sbin/nologin ] || fail "the tamga user has a login shell"
for d in edge central; do
  [ "$(stat -c '%U:%G %a' "/var/lib/tamga/$d")" = "tamga:tamga 700" ] \
    || fail "/var/lib/tamga/$d is $(stat -c '%U:%G %a' "/var/lib/tamga/$d"), not tamga:tamga 700"
  [ "$(stat -c '%U %a' "/etc/tamga/$d.env")" = "root 640" ] || fail "/etc/tamga/$d.env mode"
  dpkg-query -W -f='${Conffiles}\n' "tamga-$d" | grep -q "/etc/tamga/$d.env" || fail "/etc/tamga/$d.env is not a conffile"
done
ok "user tamga (no login), /var/lib/tamga/{edge,central} tamga:tamga 0700, /etc/tamga/*.env conffiles"
systemd-analyze verify /usr/lib/systemd/system/tamga-edge.service /usr/lib/systemd/system/tamga-central.service \
  || fail "systemd-analyze verify found problems in the units"
for p in tamga-edge tamga-central; do
  for key in 'User=tamga' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'PrivateTmp=yes' 'Restart=on-failure'; do
    grep -qx "$key" "/usr/lib/systemd/system/$p.service" || fail "$p.service lacks $key"
  done
done
ok "the units verify (systemd-analyze) and carry their hardening"

echo "== the installed tamga-edge as its unit runs it"
EDGE_DIR=/var/lib/tamga/edge
rm -rf "${EDGE_DIR:?}"/* "$EDGE_DIR"/.[!.]* 2>/dev/null || true
W="$(mktemp -d)"; chown tamga:tamga "$W"
SERVE_PID=""
cleanup() {
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true
  rm -rf "${EDGE_DIR:?}"/* "$EDGE_DIR"/.[!.]* "$W" 2>/dev/null || true
}
trap cleanup EXIT
as_tamga() { runuser -u tamga -- env $(grep -v '^#' /etc/tamga/edge.env | xargs) "$@"; }
if out=$(tamga-edge --data-dir "$EDGE_DIR" status 2>&1); then fail "root was let work on tamga's data directory"; fi
grep -q "sudo -u tamga" <<<"$out" || fail "root's refusal does not say to use sudo -u tamga: $out"
ok "root is refused on tamga's data directory, told to use sudo -u tamga"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
AUTHORITY=$(python3 -c 'import os; print(os.urandom(32).hex())')
as_tamga tamga-edge init --role post --unit MANAS-AIRPORT --authority "$AUTHORITY" \
  --listen "127.0.0.1:$PORT" --central-unit HQ-RECON >/dev/null
[ "$(stat -c '%U %a' "$EDGE_DIR/device.key")" = "tamga 600" ] || fail "device.key is not tamga's, mode 0600"
as_tamga tamga-edge serve >"$W/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$W/serve.log" && break; sleep 0.1; done
grep -q "listening on" "$W/serve.log" || { cat "$W/serve.log"; fail "the installed node did not serve"; }
curl -sf "http://127.0.0.1:$PORT/api/status" | grep -q MANAS-AIRPORT || fail "the serving node's status"
ok "init and serve as tamga with /etc/tamga/edge.env"
as_tamga tamga-edge backup-key --out "$W/backup.identity" >"$W/key.out"
RECIPIENT=$(sed -n 's/^recipient: //p' "$W/key.out")
as_tamga tamga-edge backup --out "$W/post.backup" --to "$RECIPIENT" | grep -q "backup written" \
  || fail "a backup through the running node"
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=""
as_tamga tamga-edge --data-dir "$W/restored" restore --from "$W/post.backup" --identity "$W/backup.identity" \
  | grep -q "restored into" || fail "the restore"
cmp "$EDGE_DIR/device.key" "$W/restored/device.key" || fail "the restored device key differs"
as_tamga tamga-edge --data-dir "$W/restored" status | grep -q MANAS-AIRPORT || fail "the restored node's status"
ok "a backup through the running node, restored as tamga"

echo "== an upgrade of the package keeps the node and the operator's settings"
echo "TAMGA_EDGE_SYNC_INTERVAL=90" >>/etc/tamga/edge.env
KEY_BEFORE=$(sha256sum <"$EDGE_DIR/device.key")
cp "$CARGO_TARGET_DIR"/debian/tamga-edge_*.deb "$W/tamga-edge_current.deb"
cargo deb --quiet --no-build -p tamga-edge --deb-version 99.0.0-1 --output "$W/tamga-edge_upgrade.deb" >/dev/null
DEBIAN_FRONTEND=noninteractive dpkg -i --force-confold "$W/tamga-edge_upgrade.deb" >/dev/null
[ "$(dpkg-query -W -f='${Version}' tamga-edge)" = 99.0.0-1 ] || fail "the upgrade was not installed"
grep -qx "TAMGA_EDGE_SYNC_INTERVAL=90" /etc/tamga/edge.env || fail "the upgrade lost the operator's edit of /etc/tamga/edge.env"
[ "$(sha256sum <"$EDGE_DIR/device.key")" = "$KEY_BEFORE" ] || fail "the upgrade changed the device key"
[ "$(stat -c '%U:%G %a' "$EDGE_DIR")" = "tamga:tamga 700" ] || fail "the upgrade changed the data directory's owner or mode"
as_tamga tamga-edge status | grep -q MANAS-AIRPORT || fail "the node after the upgrade"
# Back to the package of this tree, for the demo below (a downgrade, which dpkg allows with a
# warning).
DEBIAN_FRONTEND=noninteractive dpkg -i --force-confold "$W/tamga-edge_current.deb" >/dev/null 2>&1
sed -i '/^TAMGA_EDGE_SYNC_INTERVAL=90$/d' /etc/tamga/edge.env
ok "the node, its key and the edited environment file kept across an upgrade of the package"

echo "== the demo's story on the installed binaries"
bash scripts/demo.sh --installed --unattended >"$W/demo.log" 2>&1 || { tail -40 "$W/demo.log"; fail "the demo on the installed binaries"; }
tail -3 "$W/demo.log"
ok "the demo ran on /usr/bin/tamga-edge and /usr/bin/tamga-central"
