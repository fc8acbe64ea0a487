#!/usr/bin/env bash
# scripts/bench postgres [busy] [seconds]: Gatehouse on PostgreSQL, one instance and then two on
# one database with the load spread over both, beside the machine's ceiling (a bare actix-web
# handler) and the database's own limit for the same statements (pgbench). Run by scripts/bench.
# With busy, every run (pgbench's too) is made beside a from-scratch build (bench/common.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
busy=
if [ "${1:-}" = busy ]; then
  shift
  busy=1
fi
duration=${1:-10}
connections=16
threads=2
work=target/bench-postgres
rm -rf "$work" && mkdir -p "$work"
source bench/common.sh
server_url=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
database=gatehouse_bench
command -v pgbench >/dev/null || { echo "pgbench is needed (Debian: postgresql-client)"; exit 1; }

psql -q "$server_url/postgres" -c "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database"
db="$server_url/$database"
trap stop_builder EXIT
[ -z "$busy" ] || start_builder
measure_bare

# Instances run with the defaults a person gets (a log line per request, 8 pooled
# connections), throttling off as in the SQLite mode; their output goes to a file.
export GATEHOUSE_SECRET_KEY=$secret GATEHOUSE_EMAIL_OUTBOX_DIR="$PWD/$work/outbox" \
  GATEHOUSE_STATIC_DIR="$PWD/$work/none" GATEHOUSE_THROTTLE=false
servers=()
trap 'kill "${servers[@]}" 2>/dev/null || true; stop_builder' EXIT
# start NAME DATABASE_URL [VAR=value...] → $port, the instance's pid in $pid
start() {
  local name=$1 url=$2; shift 2
  port=$(free_port)
  env GATEHOUSE_BIND="127.0.0.1:$port" GATEHOUSE_DATABASE_URL="$url" "$@" "$binary" serve > "$work/$name.log" 2>&1 &
  pid=$!
  servers+=("$pid")
  wait_for "http://127.0.0.1:$port/auth/"
}
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }

echo "==> one instance"
start one "$db"; one=$pid; base_one="http://127.0.0.1:$port/auth"
GATEHOUSE_DATABASE_URL=$db GATEHOUSE_SUPERUSER_PASSWORD=$BENCH_PASSWORD \
  "$binary" createsuperuser --username "$BENCH_USER" --email bench@example.com --noinput >/dev/null
login=$(sign_in "$base_one")
export ACCESS; ACCESS=$(json_field access <<< "$login")
user_id=$(json_field id <<< "$login")
# Accounts for users/me/ over many accounts: one access token each, and their ids' range.
many=32
export ACCESS_TOKENS="$PWD/$work/many.tokens"
for n in $(seq "$many"); do
  GATEHOUSE_DATABASE_URL=$db GATEHOUSE_SUPERUSER_PASSWORD=$BENCH_PASSWORD \
    "$binary" createsuperuser --username "many$n" --email "many$n@example.com" --noinput >/dev/null
  sign_in "$base_one" "many$n" | json_field access
done > "$ACCESS_TOKENS"
read -r first_id last_id < <(psql -tA -F' ' "$db" -c "SELECT min(id), max(id) FROM users WHERE username LIKE 'many%'")

# refresh_run NAME BASE: sessions signed in afresh, two per connection
refresh_run() {
  export SESSIONS="$PWD/$work/$1.sessions"
  sign_in_sessions "$2" $((2 * connections)) > "$SESSIONS"
  wrk_run "$1" "$2/jwt/refresh/" bench/session_refresh.lua
}
wrk_run verify "$base_one/jwt/verify/" bench/verify.lua
wrk_run me "$base_one/users/me/" bench/me.lua
wrk_run me_many "$base_one/users/me/" bench/me_many.lua
refresh_run session_refresh "$base_one"
wrk_run login "$base_one/jwt/create/" bench/login.lua
BENCH_PREFIX=one wrk_run register "$base_one/users/" bench/register.lua

echo "==> two instances on one database, 8 connections each"
start two "$db"; two=$pid; base_two="http://127.0.0.1:$port/auth"
# both NAME PATH SCRIPT: one wrk per instance at once; requests/s summed, the worse p50/p99
both() {
  local name=$1 path=$2 script=$3
  SESSIONS="$PWD/$work/$name-a.sessions" BENCH_PREFIX=a THREADS=1 \
    wrk -t1 -c$((connections / 2)) -d"${duration}s" --latency -s "$script" "$base_one/$path" > "$work/$name-a.txt" &
  local first=$!
  SESSIONS="$PWD/$work/$name-b.sessions" BENCH_PREFIX=b THREADS=1 \
    wrk -t1 -c$((connections / 2)) -d"${duration}s" --latency -s "$script" "$base_two/$path" > "$work/$name-b.txt"
  wait $first
  read -r rps_a p50_a p99_a bad_a < <(summary "$name-a")
  read -r rps_b p50_b p99_b bad_b < <(summary "$name-b")
  awk -v ra="$rps_a" -v rb="$rps_b" -v pa="$p50_a" -v pb="$p50_b" -v qa="$p99_a" -v qb="$p99_b" -v ba="$bad_a" -v bb="$bad_b" \
    'BEGIN { printf "Requests/sec: %.2f\n    50%% %.2fms\n    99%% %.2fms\n  Non-2xx or 3xx responses: %d\n", ra + rb, (pa > pb ? pa : pb), (qa > qb ? qa : qb), ba + bb }' \
    > "$work/$name.txt"
}
both verify2 jwt/verify/ bench/verify.lua
both me2 users/me/ bench/me.lua
both me_many2 users/me/ bench/me_many.lua
sign_in_sessions "$base_one" "$connections" > "$work/session_refresh2-a.sessions"
sign_in_sessions "$base_two" "$connections" > "$work/session_refresh2-b.sessions"
both session_refresh2 jwt/refresh/ bench/session_refresh.lua
both login2 jwt/create/ bench/login.lua
both register2 users/ bench/register.lua
stop "$two"
stop "$one"

echo "==> two instances again, each with a pool of 4 (8 connections to the database in all)"
start one4 "$db" GATEHOUSE_DATABASE_MAX_CONNECTIONS=4; one=$pid; base_one="http://127.0.0.1:$port/auth"
start two4 "$db" GATEHOUSE_DATABASE_MAX_CONNECTIONS=4; two=$pid; base_two="http://127.0.0.1:$port/auth"
ACCESS=$(sign_in "$base_one" | json_field access)
both me2_pool4 users/me/ bench/me.lua
sign_in_sessions "$base_one" "$connections" > "$work/session_refresh2_pool4-a.sessions"
sign_in_sessions "$base_two" "$connections" > "$work/session_refresh2_pool4-b.sessions"
both session_refresh2_pool4 jwt/refresh/ bench/session_refresh.lua
stop "$two"
stop "$one"

echo "==> the database's own limit: pgbench with the same statements"
# One session per pgbench client, for the refresh script.
psql -q "$db" <<SQL
INSERT INTO gatehouse_sessions (id, user_id, created_at, last_used_at, expires_at, ip, user_agent, method,
  refresh_jti, window_start, window_hits)
SELECT 'pgbench-' || n, $user_id, 0, 0, 4102444800, '127.0.0.1', '', 'password', md5(n::text), 0, 0
FROM generate_series(0, $((connections - 1))) AS n;
SQL
# pgbench_run NAME SCRIPT CLIENTS → transactions/s and mean latency (ms)
pgbench_run() {
  pgbench -n -M prepared -c "$3" -j "$threads" -T "$duration" -D user_id="$user_id" -D first_id="$first_id" \
    -D last_id="$last_id" -f "$2" "$db" > "$work/$1.txt" 2>&1
  awk '/^tps/ { tps = $3 } /^latency average/ { lat = $4 } END { printf "%.0f %s\n", tps, lat }' "$work/$1.txt"
}
read -r pg_me pg_me_ms < <(pgbench_run pgbench_me bench/pg/me.sql "$connections")
read -r pg_me8 pg_me8_ms < <(pgbench_run pgbench_me8 bench/pg/me.sql 8)
read -r pg_many pg_many_ms < <(pgbench_run pgbench_many bench/pg/me_many.sql "$connections")
read -r pg_many8 pg_many8_ms < <(pgbench_run pgbench_many8 bench/pg/me_many.sql 8)
read -r pg_refresh pg_refresh_ms < <(pgbench_run pgbench_refresh bench/pg/refresh.sql "$connections")
read -r pg_refresh8 pg_refresh8_ms < <(pgbench_run pgbench_refresh8 bench/pg/refresh.sql 8)
# The limit is the better of 16 clients (the load's connections) and 8 (the pool's).
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }
pg_me_limit=$(best "$pg_me" "$pg_me8")
pg_refresh_limit=$(best "$pg_refresh" "$pg_refresh8")
pg_many_limit=$(best "$pg_many" "$pg_many8")

echo "==> connection pool size and prepared statements (one instance, users/me/ and refresh)"
pool_rows=()
for setting in 2 4 8 16 8-unprepared; do
  size=${setting%-unprepared}
  url=$db
  [ "$setting" = 8-unprepared ] && url="$db?statement-cache-capacity=0"
  start "pool-$setting" "$url" GATEHOUSE_DATABASE_MAX_CONNECTIONS="$size"
  ACCESS=$(sign_in "http://127.0.0.1:$port/auth" | json_field access)
  wrk_run "pool-$setting-me" "http://127.0.0.1:$port/auth/users/me/" bench/me.lua
  refresh_run "pool-$setting-refresh" "http://127.0.0.1:$port/auth"
  stop "$pid"
  pool_rows+=("$setting")
done

echo "==> round trips to the database per request"
proxy_port=$(free_port) control_port=$(free_port)
python3 bench/pg_round_trips.py proxy "$proxy_port" 127.0.0.1 "${BENCH_POSTGRES_PORT:-5432}" "$control_port" > "$work/proxy.log" 2>&1 &
proxy=$!
servers+=("$proxy")
for _ in $(seq 500); do grep -q ready "$work/proxy.log" && break; sleep 0.01; done
start counted "postgres://postgres@127.0.0.1:$proxy_port/$database?sslmode=disable" GATEHOUSE_LOG=warn
python3 bench/pg_round_trips.py measure "$control_port" "http://127.0.0.1:$port/auth" "$BENCH_USER" "$BENCH_PASSWORD" \
  > "$work/round_trips.md"
stop "$pid"
kill "$proxy"

stop_builder
{
  if [ -n "$busy" ]; then
    echo "$busy_note"
    echo
  fi
  echo "| run (PostgreSQL, default configuration) | requests/s | ratio to bare | ratio to pgbench | p50 ms | p99 ms | non-2xx |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  ceiling_rows ' |'
  printf '| pgbench: the account by primary key (16 / 8 clients) | %s / %s | | | %s / %s (mean) | | |\n' "$pg_me" "$pg_me8" "$pg_me_ms" "$pg_me8_ms"
  printf '| pgbench: one of %s accounts by primary key (16 / 8 clients) | %s / %s | | | %s / %s (mean) | | |\n' "$many" "$pg_many" "$pg_many8" "$pg_many_ms" "$pg_many8_ms"
  printf '| pgbench: a refresh'"'"'s three statements (16 / 8 clients) | %s / %s | | | %s / %s (mean) | | |\n' "$pg_refresh" "$pg_refresh8" "$pg_refresh_ms" "$pg_refresh8_ms"
  for run in verify me me_many session_refresh login register verify2 me2 me_many2 session_refresh2 login2 register2 me2_pool4 \
    session_refresh2_pool4; do
    read -r rps p50 p99 bad < <(summary $run)
    limit=
    case $run in
      verify) label='`jwt/verify/`, one instance' ;; verify2) label='`jwt/verify/`, two instances' ;;
      me) label='`users/me/`, one instance'; limit=$pg_me_limit ;;
      me2) label='`users/me/`, two instances'; limit=$pg_me_limit ;;
      me_many) label="\`users/me/\` over $many accounts, one instance"; limit=$pg_many_limit ;;
      me_many2) label="\`users/me/\` over $many accounts, two instances"; limit=$pg_many_limit ;;
      session_refresh) label='`jwt/refresh/` in sessions, one instance'; limit=$pg_refresh_limit ;;
      session_refresh2) label='`jwt/refresh/` in sessions, two instances'; limit=$pg_refresh_limit ;;
      login) label='`jwt/create/` (login), one instance' ;; login2) label='`jwt/create/` (login), two instances' ;;
      register) label='`users/` (registration), one instance' ;; register2) label='`users/` (registration), two instances' ;;
      me2_pool4) label='`users/me/`, two instances, pool of 4 each (tuned)'; limit=$pg_me_limit ;;
      session_refresh2_pool4) label='`jwt/refresh/` in sessions, two instances, pool of 4 each (tuned)'; limit=$pg_refresh_limit ;;
    esac
    pg_ratio=; [ -n "$limit" ] && pg_ratio=$(ratio "$rps" "$limit")
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$rps" "$(ratio "$rps" "$bare_rps")" "$pg_ratio" "$p50" "$p99" "${bad:-0}"
  done
  echo
  echo "| pool (one instance) | \`users/me/\` requests/s | p99 ms | \`jwt/refresh/\` requests/s | p99 ms |"
  echo "|---|---:|---:|---:|---:|"
  for setting in "${pool_rows[@]}"; do
    read -r me_rps _ me_p99 _ < <(summary "pool-$setting-me")
    read -r refresh_rps _ refresh_p99 _ < <(summary "pool-$setting-refresh")
    case $setting in
      8-unprepared) label='8 connections, no prepared statements (`statement-cache-capacity=0`)' ;;
      *) label="$setting connections" ;;
    esac
    printf '| %s | %s | %s | %s | %s |\n' "$label" "$me_rps" "$me_p99" "$refresh_rps" "$refresh_p99"
  done
  echo
  cat "$work/round_trips.md"
  echo
  echo "pgbench: -M prepared, ${threads} threads, ${duration} s. wrk: ${threads} threads and ${connections} connections (two instances: one wrk of 1 thread and $((connections / 2)) connections each, requests/s summed, the worse p50/p99), ${duration} s per run, on $(nproc) cores; PostgreSQL $(psql -tA "$db" -c 'SHOW server_version'); $(date -u +%Y-%m-%d)."
  # Linux's per-session scheduling groups decide the two-instance tail on a shared machine
  # (BENCHMARKS.md, 2026-12-06 afternoon): say which way this kernel had them.
  autogroup=$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo "not present")
  echo "kernel.sched_autogroup_enabled: ${autogroup} (PostgreSQL runs in its service's session, the instances and wrk in this one)."
} | tee "$work/results.md"
