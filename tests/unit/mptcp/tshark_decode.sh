#!/usr/bin/env bash
# tshark_decode.sh: prints "frame<TAB>field=value;..." for every MPTCP field Wireshark's own
# dissector decodes in a pcap (input for `mptcp_emit verify`).
set -euo pipefail
fields=(subtype version sendkey recvkey recvtok sendrand sendtrunchmac addrid rawdataack
  rawdataseqno subflowseqno datalvllen datafin.flag ipv4 port echo addaddrtrunchmac rst_reason)
args=(-e frame.number)
for f in "${fields[@]}"; do args+=(-e "tcp.options.mptcp.$f"); done
args+=(-e _ws.expert.message)
tshark -r "$1" -T fields -E separator=/t -E occurrence=a -E aggregator=, "${args[@]}" 2>/dev/null |
  awk -F'\t' -v names="${fields[*]} expert" '
    BEGIN { n = split(names, nm, " ") }
    { out = ""; for (i = 2; i <= NF; i++) if ($i != "") out = out (out == "" ? "" : ";") nm[i - 1] "=" $i
      print $1 "\t" out }'
