#!/usr/bin/env bash
# nginx vs `proclab serve --model prefork --handler http`, side by side:
# the accept bench's load (short HTTP connections, `Connection: close`,
# closed with SO_LINGER 0) against each server, in alternating rounds, then
# the medians and the ratio prefork/nginx. Issue 6's target: prefork with
# 2 workers >= nginx with 2 workers.
#
#   scripts/nginx-compare.sh [--workers N] [--rounds N] [--clients N]
#                            [--connections N]
#
# Installs nginx from Debian when it is missing (sudo when not root). Both
# servers run as the current user from a temporary directory, on free
# loopback ports, and are stopped on exit, whatever the exit.
set -euo pipefail

workers=2 rounds=5 clients=4 connections=5000
while [[ $# -gt 0 ]]; do
    case "$1" in
        --workers) workers=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --clients) clients=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "nginx-compare: unknown argument $1" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        # Bounded wait, then no mercy: nothing may outlive the script.
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# nginx: on PATH, or in /usr/sbin (not on a normal user's PATH), or from
# Debian: `nginx-light` where the release still has it (bookworm), else
# `nginx` (trixie ships the binary in `nginx` itself).
nginx=$(command -v nginx || true)
[[ -z $nginx && -x /usr/sbin/nginx ]] && nginx=/usr/sbin/nginx
if [[ -z $nginx ]]; then
    sudo=()
    [[ $(id -u) -ne 0 ]] && sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    pkg=nginx
    if apt-cache show nginx-light >/dev/null 2>&1; then pkg=nginx-light; fi
    echo "installing $pkg from Debian" >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >&2
    nginx=$(command -v nginx || echo /usr/sbin/nginx)
fi

(cd "$root" && cargo build --release --bin proclab >&2)
proclab=$root/target/release/proclab

# A free loopback port: bind port 0 and read what the kernel chose (there
# is a small window before nginx binds it; a clash fails loudly below).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 30000)))

mkdir -p "$tmp/nginx/logs"
user_line=""
# As root, nginx would switch its workers to `nobody`: keep the current user.
[[ $(id -u) -eq 0 ]] && user_line="user $(id -un) $(id -gn);"
cat >"$tmp/nginx/nginx.conf" <<EOF
$user_line
worker_processes $workers;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    # No keep-alive: every answer says Connection: close, like proclab's
    # to a request asking for it.
    keepalive_timeout 0;
    server {
        listen 127.0.0.1:$port backlog=1024;
        location / {
            default_type text/plain;
            return 200 "nginx says hello\n";
        }
    }
}
EOF
"$nginx" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/logs/error.log" &
pids+=($!)

"$proclab" serve --model prefork --workers "$workers" --handler http \
    --listen 127.0.0.1:0 >"$tmp/proclab.out" 2>"$tmp/proclab.err" &
pids+=($!)

# Both ready: proclab prints its address; nginx answers.
for _ in $(seq 100); do grep -q '^listening on' "$tmp/proclab.out" && break; sleep 0.05; done
proclab_addr=$(awk '/^listening on/ {print $3; exit}' "$tmp/proclab.out")
[[ -n $proclab_addr ]] || { echo "proclab serve did not start:" >&2; cat "$tmp/proclab.err" >&2; exit 1; }
nginx_addr=127.0.0.1:$port
for _ in $(seq 100); do
    "$proclab" load --connect "$nginx_addr" --clients 1 --connections 1 >/dev/null 2>&1 && break
    sleep 0.05
done
# The check the load generator applies (a `HTTP/1.1 200 ` status line),
# shown once on nginx's answer; any failure here stops the script.
"$proclab" load --connect "$nginx_addr" --clients 1 --connections 1 >/dev/null ||
    { echo "nginx's answer fails the load check:" >&2; cat "$tmp/nginx/logs/error.log" >&2; exit 1; }

echo "nginx $("$nginx" -v 2>&1 | sed 's/.*nginx\///') ($workers workers) at $nginx_addr vs proclab prefork ($workers workers, http) at $proclab_addr"
echo "$rounds alternating rounds of $connections connections, $clients clients, --linger0; connections/s"

rate() { # addr -> connections/s of one load run (fails the script on errors)
    local out
    if ! out=$("$proclab" load --connect "$1" --clients "$clients" --connections "$connections" --handler http --linger0); then
        echo "load against $1 failed: $out" >&2
        return 1
    fi
    sed -n 's/.*: \([0-9]*\) connections\/s.*/\1/p' <<<"$out"
}
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

nginx_rates=() prefork_rates=()
printf '  %-6s %10s %10s %8s\n' round nginx prefork ratio
for r in $(seq "$rounds"); do
    # Alternate who goes first, so a drift in the machine's load favours
    # neither.
    if ((r % 2)); then n=$(rate "$nginx_addr"); p=$(rate "$proclab_addr")
    else p=$(rate "$proclab_addr"); n=$(rate "$nginx_addr"); fi
    nginx_rates+=("$n") prefork_rates+=("$p")
    printf '  %-6s %10s %10s %8s\n' "$r" "$n" "$p" "$(awk -v p="$p" -v n="$n" 'BEGIN {printf "%.2f", p / n}')"
done
n=$(printf '%s\n' "${nginx_rates[@]}" | median)
p=$(printf '%s\n' "${prefork_rates[@]}" | median)
ratio=$(awk -v p="$p" -v n="$n" 'BEGIN {printf "%.2f", p / n}')
printf '  %-6s %10s %10s %8s\n' median "$n" "$p" "$ratio"
verdict=$(awk -v r="$ratio" 'BEGIN {print (r >= 1) ? "met" : "MISSED"}')
echo "target: prefork >= nginx ($workers workers each): ${ratio}x ($verdict)"
