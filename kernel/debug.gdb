# debug.gdb: attach to the paused guest started by `make debug` and load NetSync-OS's symbols.
set architecture i386
file build/netsync.elf
target remote localhost:1234
break kmain
echo NetSync-OS: stopped before the first instruction; 'continue' runs to kmain.\n
