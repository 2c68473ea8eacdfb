# ideal: no shaping at all (netem defaults: no delay, no loss, no rate cap, queue limit 1000).
# The control condition of every sweep: what the scheduler adds with a perfect network.
[both]
limit 1000
