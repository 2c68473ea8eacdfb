#!/usr/bin/env bash
# netns.sh: sourced by the hostgen suites/benches: two namespaces joined by two veth paths, always removed.
# Client ns $HG_C: c1 10.11.0.1/24, c2 10.12.0.1/24; server ns $HG_S: s1 10.11.0.2/24, s2 10.12.0.2/24.
HG_C="hg-$$-c"
HG_S="hg-$$-s"
HG_PIDS=()

hg_cleanup() {
  local p
  for p in "${HG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${HG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  HG_PIDS=()
  ip netns del "$HG_C" 2>/dev/null
  ip netns del "$HG_S" 2>/dev/null
  [ -n "${HG_TMP:-}" ] && rm -rf "$HG_TMP"
  return 0
}

# Per-netns sysctls only (never the root namespace's).
hg_sysctls() {
  local ns=$1
  ip netns exec "$ns" sysctl -qw net.mptcp.enabled=1 || return 1
  ip netns exec "$ns" sysctl -qw net.mptcp.pm_type=0 2>/dev/null || true
  # 6.12+: a dropped MP_CAPABLE SYN would otherwise disable MPTCP in the netns for an hour.
  if ip netns exec "$ns" test -e /proc/sys/net/mptcp/blackhole_timeout; then
    ip netns exec "$ns" sysctl -qw net.mptcp.blackhole_timeout=0 || return 1
  fi
}

hg_setup() {
  ip netns add "$HG_C" && ip netns add "$HG_S" || return 1
  ip -n "$HG_C" link set lo up && ip -n "$HG_S" link set lo up || return 1
  # Created inside the client namespace, so no name ever exists in the root namespace.
  ip -n "$HG_C" link add c1 type veth peer name s1 netns "$HG_S" || return 1
  ip -n "$HG_C" link add c2 type veth peer name s2 netns "$HG_S" || return 1
  ip -n "$HG_C" addr add 10.11.0.1/24 dev c1 && ip -n "$HG_C" addr add 10.12.0.1/24 dev c2 || return 1
  ip -n "$HG_S" addr add 10.11.0.2/24 dev s1 && ip -n "$HG_S" addr add 10.12.0.2/24 dev s2 || return 1
  for i in c1 c2; do ip -n "$HG_C" link set "$i" up || return 1; done
  for i in s1 s2; do ip -n "$HG_S" link set "$i" up || return 1; done
  hg_sysctls "$HG_C" && hg_sysctls "$HG_S"
}

# Kernel path manager through hostgen's own netlink code: the server announces its second address.
hg_pm_setup() {
  local hg=$1
  ip netns exec "$HG_C" "$hg" pm limits 2 2 || return 1
  ip netns exec "$HG_S" "$hg" pm limits 2 2 || return 1
  ip netns exec "$HG_S" "$hg" pm add 10.12.0.2 id 2 signal || return 1
}

# Starts the responder in the server namespace; waits until it listens. Extra args go to hostgen.
hg_serve() {
  local hg=$1; shift
  local ready="$HG_TMP/ready.$RANDOM"
  # HG_SERVE_WRAP: an optional prefix such as "chrt -f 20 taskset -c 1" (benchmarks).
  # shellcheck disable=SC2086
  ip netns exec "$HG_S" ${HG_SERVE_WRAP:-} "$hg" --serve --ready-file "$ready" "$@" 2>>"$HG_TMP/serve.log" &
  HG_SERVER_PID=$!
  HG_PIDS+=("$HG_SERVER_PID")
  for _ in $(seq 100); do [ -s "$ready" ] && return 0; sleep 0.05; done
  return 1
}

hg_stop_server() {
  kill "$HG_SERVER_PID" 2>/dev/null
  wait "$HG_SERVER_PID" 2>/dev/null
  return 0
}
