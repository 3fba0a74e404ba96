# scripts/lib/nat.sh — the `nat` stage's network: two call peers, each behind its own NAT, and a "public" network
# where azstack-server (with its embedded TURN server) runs. Sourced by scripts/test.
#
#   peer A 10.1.0.2 ── 10.1.0.1 [NAT A] 203.0.113.11 ─┐
#                                                      ├─ bridge 203.0.113.1 (azstack-server, TURN)   namespace azn-pub
#   peer B 10.2.0.2 ── 10.2.0.1 [NAT B] 203.0.113.12 ─┘
#
# Each NAT masquerades with fully random ports (a symmetric NAT: every destination gets its own mapping, so hole
# punching fails) and forwards from its peer only to the server's address 203.0.113.1: no direct path between the
# peers exists, so a call that connects has relayed its media through TURN. 203.0.113.0/24 is TEST-NET-3, an address
# range for documentation: nothing outside these namespaces is touched, and the TURN server's default peer rule (public
# addresses only) allows it as it would a real public network.
#
#   nat_up       makes the namespaces (needs root, `ip`, `nft`); fails with a reason when they cannot be made
#   nat_down     removes them (also registered on exit by nat_up)
#   nat_switch_address LETTER
#                moves NAT LETTER's public address from 203.0.113.1N to 203.0.113.2N (a phone moving to another
#                network): the kernel drops the conntrack entries masqueraded to the old address, so every mapping
#                of that peer — its TURN allocation's, its WebSocket's — is broken mid-call
#   NAT_NS_PUB / NAT_NS_A / NAT_NS_B, NAT_SERVER_IP: names and the server's address

NAT_NS_PUB=azn-pub
NAT_NS_A=azn-a
NAT_NS_B=azn-b
NAT_NS_NAT_A=azn-nat-a
NAT_NS_NAT_B=azn-nat-b
NAT_SERVER_IP=203.0.113.1

nat_down() {
  local ns
  for ns in "$NAT_NS_A" "$NAT_NS_B" "$NAT_NS_NAT_A" "$NAT_NS_NAT_B" "$NAT_NS_PUB"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
}

# nat_can: whether namespaces can be made here; prints why not.
nat_can() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "not root: network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN"
    return 1
  fi
  if ! command -v ip >/dev/null || ! command -v nft >/dev/null; then
    echo "ip (iproute2) or nft (nftables) is missing"
    return 1
  fi
  if ! ip netns add azn-probe 2>/dev/null; then
    echo "'ip netns add' failed: this machine (a container?) does not allow new network namespaces"
    return 1
  fi
  ip netns del azn-probe
}

# _nat_side LETTER LAN_PREFIX WAN_IP: peer namespace + NAT namespace + the NAT's leg on the public bridge.
_nat_side() {
  local letter=$1 lan=$2 wan=$3
  local peer=azn-$letter nat=azn-nat-$letter
  ip netns add "$peer"
  ip netns add "$nat"
  ip link add "lan-$letter" netns "$nat" type veth peer name eth0 netns "$peer"
  ip link add "wan-$letter" netns "$nat" type veth peer name "up-$letter" netns "$NAT_NS_PUB"
  ip -n "$peer" addr add "$lan.2/24" dev eth0
  ip -n "$peer" link set lo up
  ip -n "$peer" link set eth0 up
  ip -n "$peer" route add default via "$lan.1"
  ip -n "$nat" addr add "$lan.1/24" dev "lan-$letter"
  ip -n "$nat" addr add "$wan/24" dev "wan-$letter"
  ip -n "$nat" link set lo up
  ip -n "$nat" link set "lan-$letter" up
  ip -n "$nat" link set "wan-$letter" up
  ip -n "$NAT_NS_PUB" link set "up-$letter" master br0
  ip -n "$NAT_NS_PUB" link set "up-$letter" up
  ip netns exec "$nat" sysctl -qw net.ipv4.ip_forward=1
  ip netns exec "$nat" nft -f - <<EOF
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan-$letter" masquerade fully-random
  }
}
table ip filter {
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "lan-$letter" ip daddr $NAT_SERVER_IP accept
  }
}
EOF
}

nat_switch_address() {
  local letter=$1 n
  case $letter in a) n=1 ;; b) n=2 ;; *) echo "nat_switch_address: a or b" >&2; return 2 ;; esac
  ip -n "azn-nat-$letter" addr del "203.0.113.1$n/24" dev "wan-$letter"
  ip -n "azn-nat-$letter" addr add "203.0.113.2$n/24" dev "wan-$letter"
}

nat_up() {
  nat_down
  at_exit nat_down
  ip netns add "$NAT_NS_PUB"
  ip -n "$NAT_NS_PUB" link set lo up
  ip -n "$NAT_NS_PUB" link add br0 type bridge
  ip -n "$NAT_NS_PUB" addr add "$NAT_SERVER_IP/24" dev br0
  ip -n "$NAT_NS_PUB" link set br0 up
  _nat_side a 10.1.0 203.0.113.11
  _nat_side b 10.2.0 203.0.113.12
}
