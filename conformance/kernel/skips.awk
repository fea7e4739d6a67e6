# skips.awk - the skipped scenarios of a dlmfs-conform log (cmocka output), one
# line each: NAME<TAB>CLASS<TAB>REASON. CLASS "n/a" is a scenario that does not
# apply to this cluster (model only, another stack, an older kernel, more nodes
# than it has); "GAP" is anything else: the harness could not run it.
/^\[ RUN      \] / { cur = substr($0, 14); why = ""; next }
cur != "" && /^\[  SKIPPED \] / {
	c = "GAP"
	if (why ~ /^model only: /) c = "n/a"		# rawdlm, manual schedule
	else if (why ~ /^needs stack=/) c = "n/a"	# the user stack
	else if (why ~ /^pins linux-/) c = "n/a"	# an older kernel's profile
	else if (why ~ /^needs [0-9]+ nodes, the target has [0-9]+$/) c = "n/a"
	printf "%s\t%s\t%s\n", cur, c, why
	cur = ""
	next
}
/^\[ *(OK|FAILED) *\] / { cur = ""; next }
cur != "" && why == "" && !/^ *$/ { why = $0 }
