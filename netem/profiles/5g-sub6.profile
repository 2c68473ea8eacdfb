# 5g-sub6: 5G mid-band (sub-6 GHz, n78-like) link, one-way figures per direction.
# Sources (see /work/shared/reference/generators-links-profiles.md, "5G / Wi-Fi numbers"):
#  - Xu et al., "Understanding operational 5G: a first measurement study on its coverage,
#    performance and energy consumption", SIGCOMM 2020: mid-band downlink 100-250 Mbit/s.
#  - Rischke et al., IEEE Access 2021 (5G SA campus): 95% of downlink one-way delays 4-10 ms.
#  - Public 5G NSA measurements: downlink one-way < 7 ms at best, uplink around 18 ms.
# Synthesis: downlink 10 ms +- 3 ms (normal), 200 Mbit/s; uplink 18 ms +- 4 ms, 50 Mbit/s
# (uplink is scheduled grant-based, slower and later). No loss: published loss figures are
# not solid, so loss is swept with --extra-loss instead of baked in.
[downlink]
delay 10ms 3ms 25% distribution normal
rate 200mbit
limit 1000
[uplink]
delay 18ms 4ms 25% distribution normal
rate 50mbit
limit 1000
