#!/usr/bin/env bash
# A real slow link (issue #15): a post's week of acts reaching a real central over TLS through
# two network namespaces joined by a veth pair, the kernel shaping the rate and dropping packets,
# and a userspace relay adding the propagation delay (this kernel has no netem).
#
#   tamga-post (10.77.0.1)                                       tamga-hq (10.77.0.2)
#   tamga-edge serve --> delay_relay 127.0.0.1:7401 ==veth==> tamga-central serve 0.0.0.0:7400
#                        +300 ms each way           tbf 64 kbit/s each way, nftables 5% loss
#                                                   on arrival, each way
#
#   sudo bash scripts/slow-link.sh              # the full week: 300 consignments x 40 acts
#   sudo bash scripts/slow-link.sh --quick      # 20 consignments x 10 acts (CI)
#   sudo bash scripts/slow-link.sh --cc cubic   # TCP congestion control in both namespaces
#                                               # (default: the system's, which they inherit)
#
# Needs root (namespaces, tc, nft), iproute2, nftables, ethtool (offloads off, so that tbf and
# the loss rule see real 1,514-byte frames), curl and python3. Measures the week's session
# (started by the post's background sync when `serve` starts), then sessions that find nothing
# to do: the first on a new connection of a new process (full TLS handshake), one right after on
# the same connection, one on a new connection after the client's pool dropped it (TLS
# resumption), and one more on that connection, each several times. For each: wall time from
# the post's side, round trips (the relay counts the client's turns; a new connection adds the
# TCP handshake's), TLS bytes (the relay) and bytes on the wire (veth counters: Ethernet, IP and
# TCP headers, ACKs and retransmissions included). The floor is the week's automerge changes
# alone, zstd, sent once: floor bytes x 8 / 64,000 s. The baseline, measured in the same run, is
# that many bytes sent once over the same link and relay on one plain TCP connection
# (connection included), as slow_link's lower bound is sent over its model. Prints a table and
# a JSON line; everything goes to $CARGO_TARGET_DIR/bench/slow-link-<time>/ (default target/).
# Cleans up on exit.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
QUICK=0
CC=""
while [ $# -gt 0 ]; do
  arg=$1; shift
  case "$arg" in
    --quick) QUICK=1 ;;
    --cc) CC=${1:?--cc needs a congestion control (cubic, bbr, reno)}; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$QUICK" = 1 ]; then CONSIGNMENTS=20; ACTS_PER=10; WEEK_LIMIT=600; REPEAT=3; else CONSIGNMENTS=300; ACTS_PER=40; WEEK_LIMIT=3600; REPEAT=5; fi
RATE=64kbit; BURST=1600; LATENCY=2s; LOSS=5; DELAY_MS=300
POST_NS=tamga-post; HQ_NS=tamga-hq
POST_IP=10.77.0.1; HQ_IP=10.77.0.2

[ "$(id -u)" = 0 ] || { echo "error: needs root (network namespaces, tc, nft)" >&2; exit 2; }
for tool in ip tc nft curl python3; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found (apt-get install iproute2 nftables curl python3)" >&2; exit 2; }
done
ip netns list | grep -qw -e "$POST_NS" -e "$HQ_NS" && { echo "error: namespace $POST_NS or $HQ_NS exists: another run, or a stale one (ip netns del ...)" >&2; exit 2; }

TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
BIN="$TARGET/release"
echo "== building (release): tamga-edge, tamga-central, tamga-bench"
(cd "$REPO" && CARGO_TARGET_DIR="$TARGET" cargo build --release --locked --quiet -p tamga-edge -p tamga-central -p tamga-bench)
OUT="$TARGET/bench/slow-link-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
W="$(mktemp -d "${TMPDIR:-/tmp}/tamga-slow-link.XXXXXX")"

PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  # Anything this run started that is still inside its namespaces, by id.
  for ns in "$POST_NS" "$HQ_NS"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
  done
  ip netns del "$POST_NS" 2>/dev/null || true
  ip netns del "$HQ_NS" 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*"; }
fail() { printf 'SLOW LINK FAILED: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
in_post() { ip netns exec "$POST_NS" "$@"; }
in_hq() { ip netns exec "$HQ_NS" "$@"; }
central() { TAMGA_LOG=warn "$BIN/tamga-central" --data-dir "$W/hq" "$@"; }
edge() { TAMGA_LOG=warn "$BIN/tamga-edge" --data-dir "$W/post" "$@"; }
export TAMGA_LOG="${TAMGA_LOG:-info}" NO_COLOR=1

say "== the link: namespaces $POST_NS and $HQ_NS, veth, tbf $RATE (burst $BURST, latency $LATENCY), $LOSS% loss each way, +$DELAY_MS ms each way"
ip netns add "$POST_NS"
ip netns add "$HQ_NS"
ip link add veth-post netns "$POST_NS" type veth peer name veth-hq netns "$HQ_NS"
in_post ip addr add "$POST_IP/24" dev veth-post
in_hq ip addr add "$HQ_IP/24" dev veth-hq
for ns in "$POST_NS" "$HQ_NS"; do
  ip -n "$ns" link set lo up
  [ -z "$CC" ] || ip netns exec "$ns" sysctl -q -w "net.ipv4.tcp_congestion_control=$CC"
done
CC_IN_USE=$(ip netns exec "$POST_NS" sysctl -n net.ipv4.tcp_congestion_control)
say "   TCP congestion control in the namespaces: $CC_IN_USE"
ip -n "$POST_NS" link set veth-post up
ip -n "$HQ_NS" link set veth-hq up
if command -v ethtool >/dev/null; then
  in_post ethtool -K veth-post tso off gso off gro off >/dev/null 2>&1 || true
  in_hq ethtool -K veth-hq tso off gso off gro off >/dev/null 2>&1 || true
else
  say "   (no ethtool: segmentation offloads stay on; tbf segments large packets itself)"
fi
tc -n "$POST_NS" qdisc add dev veth-post root tbf rate "$RATE" burst "$BURST" latency "$LATENCY"
tc -n "$HQ_NS" qdisc add dev veth-hq root tbf rate "$RATE" burst "$BURST" latency "$LATENCY"
# Loss on arrival: a dropped frame has used the link's time, as on a lossy radio link.
for side in "$POST_NS:veth-post" "$HQ_NS:veth-hq"; do
  ns=${side%%:*}; dev=${side#*:}
  ip netns exec "$ns" nft -f - <<EOF
table inet tamga_loss {
  chain input {
    type filter hook input priority 0; policy accept;
    iifname "$dev" numgen random mod 100 < $LOSS counter drop
  }
}
EOF
done

say "== central in $HQ_NS, the post at MANAS-AIRPORT in $POST_NS"
out=$(TAMGA_ROOT_PASSPHRASE="slow link root passphrase" central init --unit HQ-RECON --listen "0.0.0.0:7400" --root-key "$W/root.key")
AUTHORITY=$(central authority | sed -n 's/^customs authority key: //p')
CENTRAL_DEVICE=$(sed -n "s/^central's device key: \([0-9a-f]*\).*/\1/p" <<<"$out")
edge init --role post --unit MANAS-AIRPORT --authority "$AUTHORITY" --listen 127.0.0.1:7300 --central-unit HQ-RECON >/dev/null
POST_DEVICE=$(edge status | sed -n 's/^device key: //p')
[ -n "$AUTHORITY" ] && [ -n "$CENTRAL_DEVICE" ] && [ -n "$POST_DEVICE" ] || fail "could not read the keys"

say "== a week of acts: $CONSIGNMENTS consignments x $ACTS_PER acts, signed by the fixture story's officers"
"$BIN/week_acts" acts --consignments "$CONSIGNMENTS" --acts-per "$ACTS_PER" --out "$W/week.acts" --keys "$W/week.keys" >"$OUT/week.json"
central enroll --key "$POST_DEVICE" --role device --unit MANAS-AIRPORT --name "Manas airport post PC" >/dev/null
# The week is dated from 2026-11-23: its signers are enrolled for 2026 and 2027.
while IFS=$'\t' read -r key role unit name number; do
  pn=(); [ "$number" != "-" ] && pn=(--personal-number "$number")
  central enroll --key "$key" --role "$role" --unit "$unit" --name "$name" "${pn[@]}" \
    --valid-from 2026-01-01T00:00:00Z --valid-until 2028-01-01T00:00:00Z \
    --migrated-from "bench enrollment: the story's acts are dated 2026" >/dev/null
done <"$W/week.keys"
central enrollment --out "$W/enrollment.acts" >/dev/null
edge record "$W/enrollment.acts" >/dev/null
t=$(now)
recorded=$(edge record "$W/week.acts")
say "   $recorded ($(python3 -c "print(f'{$(now)-$t:.1f}')") s)"
"$BIN/week_acts" floor --store "$W/post/store" --authority "$AUTHORITY" >"$OUT/floor.json"
say "   floor: $(cat "$OUT/floor.json")"
edge add-peer --name central --url "https://127.0.0.1:7401" --key "$CENTRAL_DEVICE" >/dev/null

say "== serving: central, the relay, then the post (whose background sync starts the week's session)"
# Started with `ip netns exec` itself in the background (not through a shell function), so
# that $! is the process and the trap can stop it.
ip netns exec "$HQ_NS" "$BIN/tamga-central" --data-dir "$W/hq" serve >"$OUT/central.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 100); do grep -q "listening on" "$OUT/central.log" && break; sleep 0.1; done
grep -q "listening on" "$OUT/central.log" || { cat "$OUT/central.log" >&2; fail "central did not start"; }
ip netns exec "$POST_NS" "$BIN/delay_relay" --listen 127.0.0.1:7401 --to "$HQ_IP:7400" --delay-ms "$DELAY_MS" \
  --stats "$OUT/relay.json" --stats-every-ms 200 --events "$OUT/relay-events.jsonl" >"$OUT/relay.out" 2>"$OUT/relay.err" &
RELAY=$!; PIDS+=("$RELAY")
for _ in $(seq 1 50); do [ -s "$OUT/relay.json" ] && break; sleep 0.1; done

health() { in_hq curl -s --max-time 5 http://127.0.0.1:7400/health || true; }
consignments_at_hq() { health | python3 -c 'import json,sys
try: print(json.load(sys.stdin).get("consignments", 0))
except Exception: print(0)'; }
# Counters of the veth ends: "tx_bytes tx_packets rx_bytes rx_packets" for the post's end and
# the same for central's; and the frames each loss rule dropped.
counters() {
  local a b
  a=$(ip -n "$POST_NS" -s -j link show veth-post | python3 -c 'import json,sys; s=json.load(sys.stdin)[0]["stats64"]; print(s["tx"]["bytes"], s["tx"]["packets"], s["rx"]["bytes"], s["rx"]["packets"])')
  b=$(ip -n "$HQ_NS" -s -j link show veth-hq | python3 -c 'import json,sys; s=json.load(sys.stdin)[0]["stats64"]; print(s["tx"]["bytes"], s["tx"]["packets"], s["rx"]["bytes"], s["rx"]["packets"])')
  dropped() { ip netns exec "$1" nft list table inet tamga_loss | sed -n 's/.*counter packets \([0-9]*\) bytes \([0-9]*\).*/\1 \2/p'; }
  tbf() { tc -n "$1" -s -j qdisc show dev "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["drops"])'; }
  echo "$a $b $(dropped "$POST_NS") $(dropped "$HQ_NS") $(tbf "$POST_NS" veth-post) $(tbf "$HQ_NS" veth-hq)"
}
PHASES="$W/phases"
: >"$PHASES"
# phase NAME start|end: the veth and loss counters, and the relay's counts (rewritten every
# 200 ms, so a moment is given for the last chunk to be counted).
phase() {
  sleep 0.5
  cp "$OUT/relay.json" "$W/relay-$1-$2.json"
  echo "$1 $2 $(counters)" >>"$PHASES"
}

serve_post() {
  : >"$OUT/post-$1.log"
  ip netns exec "$POST_NS" env TAMGA_EDGE_SYNC_INTERVAL=86400 "$BIN/tamga-edge" --data-dir "$W/post" serve >"$OUT/post-$1.log" 2>&1 &
  POST=$!; PIDS+=("$POST")
}
stop_post() { kill "$POST" 2>/dev/null || true; wait "$POST" 2>/dev/null || true; }
# Waits until the post's log says its background session ended; prints the elapsed seconds.
wait_synced() { # log limit
  local t0; t0=$(now)
  while ! grep -q -e " synced" -e "sync failed" "$1"; do
    python3 -c "import sys; sys.exit(0 if $(now) - $t0 < $2 else 1)" || { tail -5 "$1" >&2; fail "no session end in $2 s"; }
    sleep 0.2
  done
  grep -q "sync failed" "$1" && { grep "sync failed" "$1" >&2; return 1; }
  return 0
}

say "== the baseline: the floor's $(python3 -c "import json; print(json.load(open('$OUT/floor.json'))['floor_bytes'])") bytes sent once over the same link, relay and a plain TCP connection"
FLOOR_BYTES=$(python3 -c "import json; print(json.load(open('$OUT/floor.json'))['floor_bytes'])")
ip netns exec "$HQ_NS" python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7500)); s.listen(1); print("ready", flush=True)
c, _ = s.accept(); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    n += len(b)
print(n, time.time(), flush=True); c.sendall(b"k"); c.close()' >"$W/sink.out" 2>&1 &
SINK=$!; PIDS+=("$SINK")
ip netns exec "$POST_NS" "$BIN/delay_relay" --listen 127.0.0.1:7402 --to "$HQ_IP:7500" --delay-ms "$DELAY_MS" \
  --stats "$OUT/relay-baseline.json" --stats-every-ms 200 >/dev/null 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 50); do grep -q ready "$W/sink.out" && [ -s "$OUT/relay-baseline.json" ] && break; sleep 0.1; done
phase baseline start
ip netns exec "$POST_NS" python3 -c '
import os, socket, sys, time
data = os.urandom(int(sys.argv[1])); t0 = time.time()
s = socket.create_connection(("127.0.0.1", 7402)); s.sendall(data); s.shutdown(socket.SHUT_WR)
s.recv(1); print(t0, time.time())' "$FLOOR_BYTES" >"$W/source.out"
wait "$SINK" 2>/dev/null || true
phase baseline end
read -r _ sink_end < <(tail -1 "$W/sink.out")
read -r source_start _ <"$W/source.out"
echo "baseline_start $source_start" >>"$W/times"
echo "baseline_end $sink_end" >>"$W/times"
say "   $(python3 -c "print(f'{$sink_end - $source_start:.1f}')") s"

say "== the week: $CONSIGNMENTS consignments over the link (the link time alone is several minutes at full size)"
phase week start
echo "week_start $(now)" >>"$W/times"
serve_post week
week_ok=1
(
  # Central's view, polled on its loopback inside tamga-hq: when it holds every consignment.
  while :; do
    n=$(consignments_at_hq)
    if [ "$n" -ge "$CONSIGNMENTS" ]; then echo "central_all $(now) $n" >>"$W/times"; exit 0; fi
    # TCP's view of the link leg (round trip, window, retransmissions), for the record.
    { echo "at $(now)"; ip netns exec "$POST_NS" ss -tin dst "$HQ_IP" 2>/dev/null | tail -n +2; } >>"$OUT/tcp-post.txt" || true
    sleep 1
  done
) &
POLL=$!; PIDS+=("$POLL")
if ! wait_synced "$OUT/post-week.log" "$WEEK_LIMIT"; then
  week_ok=0
  say "   the background session failed; retrying with tamga-edge sync until central has the week"
  for _ in 1 2 3 4 5; do
    in_post "$BIN/tamga-edge" --data-dir "$W/post" sync --peer central >>"$OUT/week-retries.txt" 2>&1 && { week_ok=2; break; }
  done
fi
echo "week_end $(now)" >>"$W/times"
for _ in $(seq 1 60); do kill -0 "$POLL" 2>/dev/null || break; sleep 1; done
kill "$POLL" 2>/dev/null || true
phase week end
[ "$week_ok" = 0 ] && fail "the week did not reach central"
grep " synced" "$OUT/post-week.log" | tail -1 | sed 's/^/   post: /'

# A session that finds nothing to do: the one after the week may re-offer what the post merged
# (the registry document), so sessions are run until one moves no document.
say "== settling: sessions until one moves nothing"
for _ in 1 2 3; do
  line=$(in_post "$BIN/tamga-edge" --data-dir "$W/post" sync --peer central 2>&1) || fail "settle session: $line"
  say "   $line"
  grep -q " 0 documents" <<<"$line" && break
done
sleep 7

run_cli_session() { # name
  phase "$1" start
  echo "$1_start $(now)" >>"$W/times"
  local line
  line=$(in_post "$BIN/tamga-edge" --data-dir "$W/post" sync --peer central 2>&1) || fail "$1: $line"
  echo "$1_end $(now)" >>"$W/times"
  phase "$1" end
  echo "$1 $line" >>"$W/cli"
  say "   $1: $line"
}

say "== sessions with nothing to do, $REPEAT times (one loss costs a second or more: single runs vary)"
for i in $(seq 1 "$REPEAT"); do
  # 1. A new process: its first session is on a new connection with a full TLS handshake.
  stop_post
  sleep 1
  phase "fresh$i" start
  echo "fresh${i}_start $(now)" >>"$W/times"
  serve_post "fresh$i"
  wait_synced "$OUT/post-fresh$i.log" 120 || fail "the fresh node's session failed"
  echo "fresh${i}_end $(now)" >>"$W/times"
  phase "fresh$i" end
  say "   fresh$i: $(grep ' synced' "$OUT/post-fresh$i.log" | head -1 | sed 's/.*synced //')"
  # 2. Right after: the same connection (the client keeps an idle one 5 s).
  run_cli_session "kept$i"
  # 3. After the client's pool dropped it: a new connection (TLS resumption if the server allows).
  sleep 8
  run_cli_session "again$i"
  # 4. And once more on that connection.
  run_cli_session "kept_again$i"
done
sleep 1

kill "$RELAY" 2>/dev/null || true
wait "$RELAY" 2>/dev/null || true
cp "$PHASES" "$OUT/phases.txt"; cp "$W/times" "$OUT/times.txt"; cp "$W/cli" "$OUT/cli.txt"
mkdir -p "$OUT/relay-phases"; cp "$W"/relay-*-*.json "$OUT/relay-phases/"
health >"$OUT/central-health.json"

python3 - "$OUT" "$CONSIGNMENTS" "$ACTS_PER" "$DELAY_MS" "$QUICK" "$REPEAT" "$CC_IN_USE" >"$OUT/report.txt" <<'PY'
import json, re, sys
out, consignments, acts_per, delay_ms, quick, repeat, cc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1", int(sys.argv[6]), sys.argv[7]
rtt = 2 * delay_ms / 1000
floor = json.load(open(f"{out}/floor.json"))
week = json.load(open(f"{out}/week.json"))
times = {l.split()[0]: float(l.split()[1]) for l in open(f"{out}/times.txt")}
counters = {}
for line in open(f"{out}/phases.txt"):
    p = line.split()
    counters[(p[0], p[1])] = [int(x) for x in p[2:]]
events = [json.loads(l) for l in open(f"{out}/relay-events.jsonl") if l.strip()]
cli = {l.split(" ", 1)[0]: l.split(" ", 1)[1].strip() for l in open(f"{out}/cli.txt")}

def wire(name):
    a, b = counters[(name, "start")], counters[(name, "end")]
    d = [y - x for x, y in zip(a, b)]
    # post: tx bytes, tx frames, rx bytes, rx frames; hq: the same; dropped at the post
    # (frames, bytes), at hq (frames, bytes); dropped by tbf (queue full) at the post, at hq
    return {"post_to_hq_bytes": d[0], "post_to_hq_frames": d[1], "hq_to_post_bytes": d[4],
            "hq_to_post_frames": d[5], "bytes": d[0] + d[4], "frames": d[1] + d[5],
            "dropped_frames": d[8] + d[10], "dropped_bytes": d[9] + d[11],
            "tbf_dropped_frames": d[12] + d[13]}

KEYS = ["up_bytes", "down_bytes", "up_records", "down_records", "up_application_records",
        "down_application_records", "up_application_bytes", "down_application_bytes"]
def relay(name):
    a = json.load(open(f"{out}/relay-phases/relay-{name}-start.json"))
    b = json.load(open(f"{out}/relay-phases/relay-{name}-end.json"))
    d = {k: b[k] - a[k] for k in KEYS}
    d["bytes"] = d["up_bytes"] + d["down_bytes"]
    d["records"] = d["up_records"] + d["down_records"]
    app_records = d["up_application_records"] + d["down_application_records"]
    # Plaintext inside application_data records: less 16 bytes of AEAD tag and 1 of inner type.
    d["application_plaintext"] = d["up_application_bytes"] + d["down_application_bytes"] - 17 * app_records
    return d

def summary_of(text):
    if not text:
        return None
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    m = re.search(r"(\d+) documents, (\d+) round trips", text)
    if m:
        return {"documents": int(m.group(1)), "round_trips": int(m.group(2))}
    d, r = re.search(r"documents=(\d+)", text), re.search(r"round_trips=(\d+)", text)
    return {"documents": int(d.group(1)), "round_trips": int(r.group(1))} if d and r else None

def session(name, logfile=None):
    t0, t1 = times[f"{name}_start"], times[f"{name}_end"]
    evs = [e for e in events if t0 - 0.01 <= e["t"] <= t1 + 0.5]
    new = [e for e in evs if e.get("ev") == "accepted"]
    chunks = [e for e in evs if "n" in e]
    start = min([e["t"] for e in new] + [chunks[0]["t"]])
    downs = [e["rel"] for e in chunks if e["d"] == "down"]
    end = max(downs) if downs else chunks[-1]["rel"]
    turns, last = 0, None
    for e in chunks:
        if e["d"] == "up" and last != "up":
            turns += 1
        last = e["d"]
    text = cli.get(name)
    if logfile:
        # The first session of the process (later lines are the CLI's sessions through it).
        lines = [l for l in open(logfile) if " synced" in l]
        text = lines[0] if lines else None
    seconds = end - start
    return {"seconds": round(seconds, 3), "seconds_over_rtt": round(seconds / rtt, 2),
            "new_connections": len(new), "client_turns": turns,
            "round_trips": turns + len(new), "sync_summary": summary_of(text),
            "tls": relay(name), "wire": wire(name)}

week_s = session("week", f"{out}/post-week.log")
baseline = {"seconds": round(times["baseline_end"] - times["baseline_start"], 3), "wire": wire("baseline")}
# TCP's own counts on the link leg, from the last sample taken during the week.
tcp = {}
try:
    sample = open(f"{out}/tcp-post.txt").read().split("at ")[-1]
    for key in ("bytes_sent", "bytes_retrans", "rtt", "minrtt", "cwnd"):
        m = re.search(rf"\b{key}:([0-9.]+)", sample)
        if m:
            tcp[key] = float(m.group(1))
except OSError:
    pass
from statistics import median
def kind(name, log=False):
    runs = [session(f"{name}{i}", f"{out}/post-{name}{i}.log" if log else None) for i in range(1, repeat + 1)]
    secs = [r["seconds"] for r in runs]
    med = lambda f: median(f(r) for r in runs)
    return {"runs": runs, "seconds_median": round(median(secs), 3), "seconds_min": min(secs),
            "seconds_max": max(secs), "round_trips": [r["round_trips"] for r in runs],
            "tls_bytes_median": med(lambda r: r["tls"]["bytes"]),
            "tls_up_median": med(lambda r: r["tls"]["up_bytes"]), "tls_down_median": med(lambda r: r["tls"]["down_bytes"]),
            "records_median": med(lambda r: r["tls"]["records"]),
            "plaintext_median": med(lambda r: r["tls"]["application_plaintext"]),
            "wire_bytes_median": med(lambda r: r["wire"]["bytes"]),
            "wire_frames_median": med(lambda r: r["wire"]["frames"]),
            "dropped_frames": sum(r["wire"]["dropped_frames"] for r in runs),
            "documents": [ (r["sync_summary"] or {}).get("documents") for r in runs]}
fresh, kept, again, kept_again = kind("fresh", True), kind("kept"), kind("again"), kind("kept_again")
floor_bytes = floor["floor_bytes"]
floor_s = floor_bytes * 8 / 64000

# TLS. A session on a kept connection is HTTP only: its TLS overhead is its bytes less the
# plaintext of its records. A full handshake costs what the fresh process's session sent beyond
# that; the plaintext of its encrypted handshake messages and tickets is the fresh session's
# plaintext beyond the kept one's. The week's HTTP payload is the plaintext of its records less
# that, for each connection it opened.
hs_bytes = fresh["tls_bytes_median"] - kept["tls_bytes_median"]
resumed_bytes = again["tls_bytes_median"] - kept_again["tls_bytes_median"]
hs_plain = fresh["plaintext_median"] - kept["plaintext_median"]
conns = max(week_s["new_connections"], 1)
week_http = week_s["tls"]["application_plaintext"] - conns * hs_plain
week_tls = week_s["tls"]["bytes"]
overhead = week_tls - week_http
kept_http = kept["plaintext_median"]
central_all = times.get("central_all")
mode = lambda xs: max(set(xs), key=xs.count)
result = {
    "bench": "slow_link_real", "quick": quick, "consignments": consignments, "acts": week["acts"],
    "link": {"rate_bps": 64000, "tbf": "burst 1600 latency 2s", "loss_each_way": 0.05, "tcp_congestion_control": cc,
             "loss_where": "nftables input hook, on arrival", "delay_each_way_s": delay_ms / 1000},
    "floor": {"bytes": floor_bytes, "seconds": round(floor_s, 2), "changes_bytes": floor["changes_bytes"],
              "documents": floor["documents"]},
    "baseline": {**baseline, "over_floor_seconds": round(baseline["seconds"] / floor_s, 3),
                 "over_floor_wire_bytes": round(baseline["wire"]["bytes"] / floor_bytes, 4)},
    "week": {**week_s, "tcp_last_sample": tcp, "over_baseline_seconds": round(week_s["seconds"] / baseline["seconds"], 3),
             "central_has_all_s": round(central_all - times["week_start"], 1) if central_all else None,
             "over_floor_seconds": round(week_s["seconds"] / floor_s, 3),
             "over_floor_tls_bytes": round(week_tls / floor_bytes, 4),
             "over_floor_wire_bytes": round(week_s["wire"]["bytes"] / floor_bytes, 4)},
    "no_change": {"repeats": repeat, "fresh_process_new_connection": fresh, "kept_connection": kept,
                  "new_connection_after_idle": again, "kept_connection_again": kept_again},
    "tls": {"full_handshake_bytes": hs_bytes, "resumed_handshake_bytes": resumed_bytes,
            "first_session_round_trips": mode(fresh["round_trips"]), "kept_session_round_trips": mode(kept["round_trips"]),
            "extra_round_trips_beyond_tcp": mode(fresh["round_trips"]) - mode(kept["round_trips"]) - 1,
            "no_change_http_bytes": kept_http, "no_change_tls_bytes_kept": kept["tls_bytes_median"],
            "week_tls_bytes": week_tls, "week_http_bytes": week_http, "week_overhead_bytes": overhead,
            "week_overhead_ratio": round(overhead / max(week_http, 1), 5)},
    "simulated": {"bench": "slow_link, BENCHMARKS.md, 12,000 acts", "seconds": 313.5, "bytes": 2259408,
                  "lower_bound_bytes": 2243914,
                  "over_its_floor_seconds": round(313.5 / (2243914 * 8 / 64000), 3), "over_model_bound": 1.03},
}
json.dump(result, open(f"{out}/summary.json", "w"), indent=1)

w, t, summ = week_s["wire"], week_s["tls"], week_s["sync_summary"] or {}
print(f"a post's week, {week['acts']:,} acts ({consignments} consignments x {acts_per}), over tbf 64 kbit/s each way, "
      f"5% loss each way (nftables), +{delay_ms} ms each way (delay_relay): RTT {rtt:.1f} s plus queueing; TCP {cc}\n")
print("| session | seconds | round trips (post's view) | sync: documents / round trips | TLS bytes up + down (records) | on the wire, both ways (frames, dropped) |")
print("|---|---|---|---|---|---|")
print(f"| the week | {week_s['seconds']:.1f} | {week_s['round_trips']} | {summ.get('documents', '?')} / {summ.get('round_trips', '?')} | "
      f"{t['up_bytes']:,} + {t['down_bytes']:,} = {t['bytes']:,} ({t['records']}) | {w['bytes']:,} ({w['frames']:,}, {w['dropped_frames']}) |")
def row(name, k):
    print(f"| {name} | {k['seconds_median']:.2f} ({k['seconds_min']:.2f}-{k['seconds_max']:.2f}) | {'/'.join(map(str, k['round_trips']))} | "
          f"{'/'.join(str(d) for d in k['documents'])} / 1 | {k['tls_up_median']:,.0f} + {k['tls_down_median']:,.0f} = {k['tls_bytes_median']:,.0f} "
          f"({k['records_median']:.0f}) | {k['wire_bytes_median']:,.0f} ({k['wire_frames_median']:.0f}, {k['dropped_frames']} in {repeat} runs) |")
bw = baseline["wire"]
print(f"| baseline: the floor's bytes once, plain TCP | {baseline['seconds']:.1f} | 2 | - | - | {bw['bytes']:,} ({bw['frames']:,}, {bw['dropped_frames']}) |")
row("nothing to do: new process, new connection, full handshake", fresh)
row("nothing to do: the same connection, right after", kept)
row("nothing to do: a new connection after 8 s idle (resumed)", again)
row("nothing to do: that connection again", kept_again)
print(f"\n(no-change rows: median (min-max) of {repeat} runs; round trips of each run)\n")
print(f"floor: {floor_bytes:,} bytes (the {floor['documents']} documents' changes, {floor['changes_bytes']:,} bytes, zstd), "
      f"{floor_s:.1f} s at 64 kbit/s")
print(f"week: {week_s['seconds']:.1f} s = {week_s['seconds'] / floor_s:.3f}x the floor; TLS bytes {week_tls / floor_bytes:.3f}x, "
      f"wire bytes {w['bytes'] / floor_bytes:.3f}x the floor; central held every consignment after "
      f"{result['week']['central_has_all_s']} s (polled each second)")
print(f"baseline (the floor's bytes once over this link, plain TCP): {baseline['seconds']:.1f} s = {baseline['seconds'] / floor_s:.3f}x the floor; "
      f"the week is {week_s['seconds'] / baseline['seconds']:.3f}x the baseline")
print(f"simulated (slow_link, 12,000 acts): 313.5 s = {result['simulated']['over_its_floor_seconds']}x its floor (1.03x its modelled bound)")
print(f"TLS: a full handshake {hs_bytes:,.0f} bytes, a resumed one {resumed_bytes:,.0f}; the first session "
      f"{result['tls']['first_session_round_trips']} round trips against {result['tls']['kept_session_round_trips']} on a kept "
      f"connection ({result['tls']['extra_round_trips_beyond_tcp']} beyond TCP's own); on the week {overhead:,.0f} bytes of TLS "
      f"on {week_http:,.0f} of HTTP ({100 * overhead / max(week_http, 1):.2f}%)")
# The line: everything but each no-change run (those are in summary.json).
line = json.loads(json.dumps(result))
for k in line["no_change"].values():
    if isinstance(k, dict):
        k.pop("runs", None)
print(json.dumps(line, separators=(",", ":")))
PY
cat "$OUT/report.txt"
say "outputs: $OUT"
