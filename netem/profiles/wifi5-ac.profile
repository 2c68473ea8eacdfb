# wifi5-ac: 802.11ac (Wi-Fi 5) access point hop, shared channel, heavy-tailed access delay.
# Sources (generators-links-profiles.md):
#  - Sui et al., "Characterizing and improving WiFi latency in large-scale operational
#    networks", MobiSys 2016: campus Wi-Fi hop P90 ~ 20 ms, P99 ~ 250 ms (busy campus).
#  - Suggested synthesis: Wi-Fi 2-5 ms with a Pareto tail, 200-600 Mbit/s, Gilbert-Elliott loss.
# Synthesis for a home/office ac AP (quieter than a campus): 5 ms + 5 ms x pareto table
# (iproute2 pareto.dist spans -0.67..4.0 sigma: P50 ~ 3.4 ms, P90 ~ 9.3 ms, P99 ~ 25 ms),
# 300 Mbit/s; collisions give short loss bursts: p = 0.5%, r = 50%, 1-h = 50% (mean ~0.5%).
[both]
delay 5ms 5ms distribution pareto
rate 300mbit
loss gemodel 0.5% 50% 50% 0%
limit 1000
