# bed-cdf.gp: empirical CDF of end-to-end latency of one sweep point, linear and tail (log 1-F) views.
# Variables (gnuplot -e): infile ("latency_ms fraction" lines from bedstat cdf), outbase, ttl.
set grid
do for [t in "pngcairo svg"] {
    if (t eq "svg") { set terminal svg size 900,420 dynamic; set output outbase . ".svg" } \
    else { set terminal pngcairo size 900,420; set output outbase . ".png" }
    set multiplot layout 1,2 title ttl noenhanced
    set xlabel "end-to-end latency (ms)"
    set ylabel "CDF"
    unset logscale y
    set yrange [0:1]
    plot infile using 1:2 with steps lw 2 notitle
    set ylabel "1 - CDF (tail)"
    set logscale y
    set yrange [0.0005:1]
    plot infile using 1:(1 - $2 > 0 ? 1 - $2 : 1/0) with steps lw 2 notitle
    unset multiplot
    unset output
}
