# 5g-mmwave: 5G millimetre-wave (NSA) link with short blockage outages.
# Sources (generators-links-profiles.md):
#  - Narayanan et al., "Lumos5G", IMC 2020 / WWW 2020, and OpenSignal 2020: mmWave NSA
#    average downlink 506 Mbit/s with peaks above 1 Gbit/s.
#  - Suggested synthesis in the notes: 5-10 ms one-way, 2-5 ms jitter, 400-1000 Mbit/s,
#    outages from blockage.
# Synthesis: downlink 7 ms +- 3 ms (normal), 500 Mbit/s; uplink 10 ms +- 3 ms, 100 Mbit/s.
# Blockage is modelled as Gilbert-Elliott bursts: enter bad with p = 0.05%, leave with
# r = 5% (mean burst 20 packets), lose everything while bad (1-h = 100%), nothing when good:
# mean loss p/(p+r) ~ 1%.
[downlink]
delay 7ms 3ms 25% distribution normal
rate 500mbit
loss gemodel 0.05% 5% 100% 0%
limit 1000
[uplink]
delay 10ms 3ms 25% distribution normal
rate 100mbit
loss gemodel 0.05% 5% 100% 0%
limit 1000
