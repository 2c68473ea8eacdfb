/* pmcmd.h: `hostgen pm ...`: path-manager setup so the bed needs no `ip mptcp`. */
#ifndef HOSTGEN_PMCMD_H
#define HOSTGEN_PMCMD_H

/* Runs one pm subcommand (argv without "hostgen pm"); returns the exit status (2 = usage). */
int pmcmd_run(int argc, char **argv);

#endif
