# bed-p99.gp: P99 latency (end-to-end or p2p) with its 95% CI bars against one swept axis, one line per series.
# Variables (gnuplot -e): infile (blocks "x p99 lo hi", two blank lines apart), titlefile (one
# title per block), outbase (writes outbase.png and outbase.svg), xlab, ylab, and xt: empty for a
# numeric x axis, else gnuplot xtics ("label" x, ...) naming categorical x values (per-link settings).
titles = system("tr ' ' '_' < '" . titlefile . "' | tr '\n' ' '")
n = words(titles)
set xlabel xlab
set ylabel ylab
set key top left font ",9"
set grid
if (exists("xt") && strlen(xt) > 0) { eval("set xtics (" . xt . ")") }
set yrange [0:*]
# Keep the end points off the frame: their CI bars would hide in the border.
set offsets graph 0.05, graph 0.05, 0, 0
do for [t in "pngcairo svg"] {
    if (t eq "svg") { set terminal svg size 900,560 dynamic; set output outbase . ".svg" } \
    else { set terminal pngcairo size 900,560; set output outbase . ".png" }
    plot for [i = 0:n - 1] infile index i using 1:2:3:4 with yerrorlines lw 2 title word(titles, i + 1) noenhanced
    unset output
}
