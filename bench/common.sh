# Shared by scripts/bench's two modes (SQLite, PostgreSQL): sourced, not run.
# Expects: $work (output folder), $duration (seconds per run), $connections, $threads.

secret=benchmark-secret-key-that-is-long-enough-0123456789
export BENCH_DIR="$PWD/bench" THREADS=$threads
export BENCH_USER=bench BENCH_PASSWORD='Bench-Passw0rd-2026'

command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y -qq wrk >/dev/null; }
echo "==> building the release server and the bare handler"
cargo build --release -q -p gatehouse --bin gatehouse --example bare
binary=$PWD/target/release/gatehouse

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 1000); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.01; done; echo "no answer from $1"; exit 1; }
peak_rss_mb() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# wrk_run NAME URL SCRIPT [CONNECTIONS] [THREADS] → $work/NAME.txt
wrk_run() {
  local name=$1 url=$2 script=$3 conns=${4:-$connections} wrk_threads=${5:-$threads}
  wrk -t"$wrk_threads" -c"$conns" -d"${duration}s" --latency -s "$script" "$url" > "$work/$name.txt"
}
# Reads requests/s, p50 and p99 (ms) and the non-2xx count from a wrk report.
summary() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    END { printf "%s %.2f %.2f %d\n", rps, p50, p99, bad }' "$work/$1.txt"
}
# sign_in BASE [USERNAME]: signs in with the benchmark password and prints the answer.
sign_in() {
  curl -fsS -H 'Content-Type: application/json' \
    -d "{\"username\":\"${2:-$BENCH_USER}\",\"password\":\"$BENCH_PASSWORD\"}" "$1/jwt/create/"
}
# Signs in COUNT times and prints one refresh token per line.
sign_in_sessions() {
  local base=$1 count=$2
  for _ in $(seq "$count"); do
    sign_in "$base" | json_field refresh
  done
}
# A busy machine: a from-scratch `cargo build -p gatehouse` (target/bench-busy/), started
# again whenever it ends, in a session of its own, as one started from a second terminal would
# be (Linux's autogroup then shares the cores between the two sessions). Started after the
# release build above; stop_builder ends it (the callers' EXIT traps call it).
builder=
busy_note="On a busy machine: every run beside a from-scratch \`cargo build -p gatehouse\` in a session of its own."
start_builder() {
  local folder=target/bench-busy
  echo "==> a from-scratch cargo build beside every run ($folder/, started again whenever it ends)"
  setsid bash -c "while :; do rm -rf '$folder'; CARGO_TARGET_DIR='$folder' cargo build -q -p gatehouse >/dev/null 2>&1; done" &
  builder=$!
  sleep 30 # past the first crates' downloads and metadata, into compiling
}
stop_builder() { [ -z "$builder" ] || kill -- "-$builder" 2>/dev/null || true; builder=; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * a / b; else print "" }'; }
# ceiling_rows GAP: the bare handler's two table rows (GET, and a POST of `jwt/verify/`'s
# size), with their latencies: GAP is the table's empty cells between the ratio to bare and
# p50 (as " |"). A tail the bare handler has too is the machine's, not the server's.
ceiling_rows() {
  ceiling_row 'bare actix-web handler' bare "$1"
  ceiling_row 'bare actix-web handler, a POST of `jwt/verify/`'"'"'s size (body read)' bare_post "$1"
}
ceiling_row() {
  local rps p50 p99 bad
  read -r rps p50 p99 bad < <(summary "$2")
  printf '| %s | %s | %s |%s %s | %s | %s |\n' "$1" "$rps" "$(ratio "$rps" "$bare_rps")" "$3" "$p50" "$p99" "$bad"
}

# The ceiling: a bare actix-web handler, measured first in the same run → $bare_rps.
measure_bare() {
  echo "==> ceiling: bare actix-web handler"
  start_bare
  printf 'wrk.method = "GET"\n' > "$work/get.lua"
  wrk_run bare "$bare_url" "$work/get.lua"
  # The same handler after reading a POST of `jwt/verify/`'s size (an access token is 286
  # characters for a one-digit user id): the ceiling for a request of that shape.
  ACCESS=$(printf 'x%.0s' $(seq 286)) wrk_run bare_post "$bare_url" bench/verify.lua
  stop_bare
  read -r bare_rps _ _ _ < <(summary bare)
  read -r bare_post_rps _ _ _ < <(summary bare_post)
}
# measure_bare_again NAME: the bare handler's GET again (→ $work/NAME.txt), just before the
# runs judged against it: over a run of several minutes the machine's speed drifts, and the
# ceiling measured next to a run is the one it shares its conditions with.
measure_bare_again() {
  echo "==> the bare handler again, beside the runs that follow"
  start_bare
  wrk_run "$1" "$bare_url" "$work/get.lua"
  stop_bare
}
# The bare handler on a free port (→ $bare_url), until stop_bare; with a number, that many
# worker threads instead of actix-web's default (one per core).
start_bare() {
  local port; port=$(free_port)
  target/release/examples/bare "127.0.0.1:$port" "$@" & bare_pid=$!
  bare_url="http://127.0.0.1:$port/"
  wait_for "$bare_url"
}
stop_bare() { kill "$bare_pid"; wait "$bare_pid" 2>/dev/null || true; }
