# bed-cdf.gp: empirical CDF of one sweep point's end-to-end latency (and p2p when the guest reports it), linear and tail (log 1-F) views.
# Variables (gnuplot -e): infile ("latency_ms fraction" lines from bedstat cdf), p2pfile (same for
# p2p, may be empty), outbase, ttl.
has_p2p = system("test -s '" . p2pfile . "' && echo 1 || echo 0") + 0
set grid
set key bottom right font ",9"
set logscale x
do for [t in "pngcairo svg"] {
    if (t eq "svg") { set terminal svg size 900,420 dynamic; set output outbase . ".svg" } \
    else { set terminal pngcairo size 900,420; set output outbase . ".png" }
    set multiplot layout 1,2 title ttl noenhanced
    set xlabel "latency (ms, log scale)"
    set ylabel "CDF"
    unset logscale y
    set yrange [0:1]
    if (has_p2p) { plot infile using 1:2 with steps lw 2 title "end to end", p2pfile using 1:2 with steps lw 2 title "p2p (run - completion)" } \
    else { plot infile using 1:2 with steps lw 2 title "end to end" }
    set ylabel "1 - CDF (tail)"
    set logscale y
    set yrange [0.0005:1]
    if (has_p2p) { plot infile using 1:(1 - $2 > 0 ? 1 - $2 : 1/0) with steps lw 2 title "end to end", p2pfile using 1:(1 - $2 > 0 ? 1 - $2 : 1/0) with steps lw 2 title "p2p" } \
    else { plot infile using 1:(1 - $2 > 0 ? 1 - $2 : 1/0) with steps lw 2 title "end to end" }
    unset multiplot
    unset output
}
