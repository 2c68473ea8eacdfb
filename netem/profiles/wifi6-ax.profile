# wifi6-ax: 802.11ax (Wi-Fi 6) access point hop, 80 MHz channel, OFDMA scheduling.
# Sources (generators-links-profiles.md):
#  - Wi-Fi 6 at 80 MHz with interference: P99 one-way below 10 ms.
#  - Suggested synthesis: Wi-Fi 2-5 ms with a Pareto tail, 200-600 Mbit/s, Gilbert-Elliott loss.
# Synthesis: 2 ms + 2 ms x pareto table (P50 ~ 1.4 ms, P90 ~ 3.7 ms, P99 ~ 10 ms), 600 Mbit/s;
# loss bursts rarer than Wi-Fi 5: p = 0.2%, r = 50%, 1-h = 50% (mean ~0.2%).
[both]
delay 2ms 2ms distribution pareto
rate 600mbit
loss gemodel 0.2% 50% 50% 0%
limit 1000
