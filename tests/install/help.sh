#!/usr/bin/env bash
# tests/install/help.sh BINDIR MANDIR - every program's --help against its
# man page, and its answer to bad usage.
#
#  - --help (and -h) exits 0, prints on stdout only;
#  - every option the man page documents (the .TP tags of OPTIONS and
#    CONTROL; dlmfs-sim's "run/explore/bench options" subsections against
#    that subcommand's --help) is in --help, and every option --help lists
#    is an option tag of the man page: neither can drift from the other;
#  - every option tag of a man page states its default;
#  - --no-such-option and a set of bad values exit 2 with exactly one line
#    on stderr and nothing on stdout (no usage dump, no crash).
#
# MANDIR holds the pages flat (man/) or in man1/, man7/ (an installed tree).
# Exit 0 all good, 1 a failure.
set -u
BIN=${1:?usage: help.sh BINDIR MANDIR}
MAN=${2:?usage: help.sh BINDIR MANDIR}
PASS=0
FAIL=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dlmfs-help.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }

page() {
	local p
	for p in "$MAN/$1" "$MAN/man${1##*.}/$1"; do
		[ -f "$p" ] && { echo "$p"; return 0; }
	done
	return 1
}

# the tags of a page: "SECTION^_SUBSECTION^_plain tag text" (^_ = \037)
tags() {
	awk '
	function plain(s) {
		gsub(/\\f[BIRP]/, "", s); gsub(/\\f\(CW/, "", s)
		gsub(/\\-/, "-", s); gsub(/\\\(aq/, "\047", s)
		gsub(/\\e/, "\\", s); gsub(/\\&/, "", s)
		return s
	}
	# roff macro arguments: words, or "quoted strings"
	function args(s, a,    n, q) {
		n = 0
		while (length(s)) {
			sub(/^[ \t]+/, "", s)
			if (!length(s))
				break
			if (substr(s, 1, 1) == "\"") {
				q = index(substr(s, 2), "\"")
				if (!q)
					q = length(s)
				a[++n] = substr(s, 2, q - 1); s = substr(s, q + 2)
			} else {
				match(s, /^[^ \t]+/)
				a[++n] = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1)
			}
		}
		return n
	}
	function tagtext(line,    m, n, a, i, out, sep) {
		m = line; sub(/[ \t].*/, "", m)
		sub(/^\.[A-Z]+[ \t]*/, "", line)
		n = args(line, a)
		sep = (m == ".B" || m == ".I") ? " " : ""
		out = ""
		for (i = 1; i <= n; i++)
			out = out (i > 1 ? sep : "") a[i]
		if (m !~ /^\./)
			out = line
		return plain(out)
	}
	/^\.SH/ { sh = $0; sub(/^\.SH[ \t]*/, "", sh); gsub(/"/, "", sh); ss = ""; next }
	/^\.SS/ { ss = $0; sub(/^\.SS[ \t]*/, "", ss); gsub(/"/, "", ss); next }
	/^\.TP/ { tp = 1; next }
	tp { tp = 0; print sh "\037" ss "\037" tagtext($0) }
	' "$1"
}

# the key of each alternative of a tag: "-o peers=dir" -> "peers=",
# "--svg out" -> "--svg", "-h, --help" -> "-h" and "--help"
keys() {
	awk -v tag="$1" 'BEGIN {
		n = split(tag, alt, /, /)
		for (i = 1; i <= n; i++) {
			k = alt[i]; sub(/^[ \t]+/, "", k)
			if (k ~ /^-o /)
				k = substr(k, 4)
			sub(/[ \t].*/, "", k)
			if (k !~ /\|/ && index(k, "="))
				k = substr(k, 1, index(k, "="))
			if (length(k))
				print k
		}
	}'
}

# KEY appears in FILE as a whole word (-h is not part of -hello)
has_word() {
	awk -v k="$1" '
	{
		s = $0
		while ((p = index(s, k))) {
			b = p > 1 ? substr(s, p - 1, 1) : ""
			a = substr(s, p + length(k), 1)
			if (b !~ /[A-Za-z0-9_-]/ &&
			    (k !~ /[A-Za-z0-9]$/ || a !~ /[A-Za-z0-9_-]/))
				{ found = 1; exit }
			s = substr(s, p + 1)
		}
	}
	END { exit !found }' "$2"
}

# help_ok NAME CMD...: --help exits 0, stdout only; saves it as $TMP/NAME
help_ok() {
	local name=$1 rc
	shift
	"$@" >"$TMP/$name" 2>"$TMP/$name.err"
	rc=$?
	if [ $rc = 0 ] && [ -s "$TMP/$name" ] && [ ! -s "$TMP/$name.err" ]; then
		ok
	else
		bad "$* -> exit $rc, $(wc -l <"$TMP/$name") lines out, stderr: $(head -c 200 "$TMP/$name.err")"
	fi
}

# the option keys of MAN's SECTION (SUB: one subsection, "" none, "*" all)
man_keys() {
	local man=$1 sec=$2 sub=$3 s ss tag
	while IFS=$'\037' read -r s ss tag; do
		[ "$s" = "$sec" ] || continue
		[ "$sub" = "*" ] || [ "$ss" = "$sub" ] || continue
		keys "$tag"
	done < <(tags "$man")
}

# every man key of SECTION[/SUB] must be in help file NAME
man_in_help() {
	local man=$1 sec=$2 sub=$3 name=$4 k n=0
	while read -r k; do
		n=$((n + 1))
		if has_word "$k" "$TMP/$name"; then ok; else
			bad "$(basename "$man") [$sec${sub:+/$sub}] documents '$k', $name --help does not"
		fi
	done < <(man_keys "$man" "$sec" "$sub")
	[ $n -gt 0 ] || bad "$(basename "$man") [$sec${sub:+/$sub}]: no option tags found"
}

# every --long option, -o NAME and leading -X of help file NAME must be a
# key of the man page's option tags (KEYS: a file of them); -o rw matches
# the tag "-o rw|ro|..."; -o NAME only with a third argument -o
help_in_man() {
	local name=$1 keys=$2 re='--[a-z][a-z0-9-]*|^ +-[A-Za-z]\b' k
	[ "${3:-}" = -o ] && re="$re|-o [a-z_]+=?"	# dlmfs-fuse's -o NAME
	for k in $(grep -oE -- "$re" "$TMP/$name" |
		   sed -e 's/^ *//' -e 's/^-o //' | grep -vx -- -o | sort -u); do
		if grep -qxF -- "$k" "$keys" || grep -qF -- "$k|" "$keys"; then ok; else
			bad "$name --help lists '$k', no option tag of its man page does"
		fi
	done
}

# every option tag of the OPTIONS section states its default
man_defaults() {
	awk -v page="$(basename "$1")" '
	function flush() {
		if (tag != "" && sec == "OPTIONS" && tag !~ /(-h|-V)$|\\-\\-help|\\-\\-version/ &&
		    body !~ /Default|Required/)
			{ print "FAIL: " page ": " tag ": no default stated"; bad = 1 }
		tag = ""; body = ""
	}
	/^\.S[HS]/ { flush(); if ($0 ~ /^\.SH/) { sec = $2; gsub(/"/, "", sec) } next }
	/^\.(TP|PP|IP)/ { flush(); tp = ($0 ~ /^\.TP/); next }
	tp { tp = 0; tag = $0; next }
	{ body = body " " $0 }
	END { flush(); exit bad }' "$1"
}

# usage_error CMD...: exit 2, exactly one line on stderr, nothing on stdout
usage_error() {
	local rc lines
	timeout 10 "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	rc=$?
	lines=$(wc -l <"$TMP/err")
	if [ $rc = 2 ] && [ "$lines" = 1 ] && [ ! -s "$TMP/out" ]; then
		ok
	else
		bad "$* -> exit $rc, $lines stderr lines, $(wc -c <"$TMP/out") stdout bytes: $(head -3 "$TMP/err")"
	fi
}

for p in dlmfs-fuse dlmfs-sim dlmfs-conform dlmfs-agent; do
	[ -x "$BIN/$p" ] || { echo "FAIL: $BIN/$p missing"; exit 1; }
	page "$p.1" >/dev/null || { echo "FAIL: no $p.1 under $MAN"; exit 1; }
done
FUSE=$BIN/dlmfs-fuse SIM=$BIN/dlmfs-sim CONF=$BIN/dlmfs-conform AGENT=$BIN/dlmfs-agent

echo "# --help against the man pages"
help_ok fuse "$FUSE" --help
help_ok fuse-h "$FUSE" -h
help_ok sim "$SIM" --help
help_ok sim-run "$SIM" run --help
help_ok sim-explore "$SIM" explore --help
help_ok sim-explore-h "$SIM" explore -h
help_ok sim-bench "$SIM" bench --help
help_ok sim-bench-h "$SIM" bench -h
help_ok conform "$CONF" --help
help_ok conform-h "$CONF" -h
help_ok agent "$AGENT" --help
help_ok agent-h "$AGENT" -h
grep -q 'default' "$TMP/sim-explore" || bad "dlmfs-sim explore --help shows no defaults"

m=$(page dlmfs-fuse.1)
man_in_help "$m" OPTIONS "" fuse
man_in_help "$m" CONTROL "" fuse
{ man_keys "$m" OPTIONS "*"; man_keys "$m" CONTROL "*"; } >"$TMP/fuse.keys"
help_in_man fuse "$TMP/fuse.keys" -o
m=$(page dlmfs-sim.1)
man_in_help "$m" OPTIONS "" sim
man_in_help "$m" OPTIONS "run options" sim-run
man_in_help "$m" OPTIONS "explore options" sim-explore
man_in_help "$m" OPTIONS "bench options" sim-bench
man_keys "$m" OPTIONS "*" >"$TMP/sim.keys"
man_keys "$m" OPTIONS "explore options" >"$TMP/sim-explore.keys"
man_keys "$m" OPTIONS "bench options" >"$TMP/sim-bench.keys"
help_in_man sim "$TMP/sim.keys"
help_in_man sim-run "$TMP/sim.keys"
help_in_man sim-explore "$TMP/sim-explore.keys"
help_in_man sim-bench "$TMP/sim-bench.keys"
m=$(page dlmfs-conform.1)
man_in_help "$m" OPTIONS "*" conform
man_keys "$m" OPTIONS "*" >"$TMP/conform.keys"
help_in_man conform "$TMP/conform.keys"
m=$(page dlmfs-agent.1)
man_in_help "$m" OPTIONS "" agent
man_keys "$m" OPTIONS "*" >"$TMP/agent.keys"
help_in_man agent "$TMP/agent.keys"
for p in dlmfs-fuse.1 dlmfs-sim.1 dlmfs-conform.1 dlmfs-agent.1; do
	if man_defaults "$(page $p)"; then ok; else FAIL=$((FAIL + 1)); fi
done

echo "# bad usage: exit 2, one line on stderr"
usage_error "$FUSE" --no-such-option
usage_error "$FUSE" -o no_such_option /tmp
usage_error "$FUSE" -o profile=nope /tmp
usage_error "$FUSE" -o plant_bugs=x /tmp
usage_error "$FUSE" -o peers= /tmp
usage_error "$FUSE" -o peers=a:b:c:d:e:f:g:h /tmp
usage_error "$FUSE"
usage_error "$FUSE" --ctl
usage_error "$FUSE" --ctl /nonexistent.ctl bogus
usage_error "$FUSE" --ctl /nonexistent.ctl crash
usage_error "$FUSE" --ctl /nonexistent.ctl status extra
if [ -e "$BIN/dlmfs" ]; then
	usage_error "$BIN/dlmfs" --no-such-option
	usage_error "$BIN/dlmfs" src /a /b
fi
usage_error "$SIM"
usage_error "$SIM" --no-such-option
usage_error "$SIM" no-such-command
usage_error "$SIM" run --no-such-option x.scn
usage_error "$SIM" run --profile nope x.scn
usage_error "$SIM" run --bug nope x.scn
usage_error "$SIM" run
usage_error "$SIM" explore --no-such-option
usage_error "$SIM" explore
usage_error "$SIM" explore --seed x
usage_error "$SIM" explore --seed 1 --nodes 9
usage_error "$SIM" explore --seed 1 --profile nope
usage_error "$SIM" bench --no-such-option
usage_error "$SIM" bench --ops 5
usage_error "$CONF" --no-such-option
usage_error "$CONF" --no-such-option x.scn
usage_error "$CONF" --repeat 0
usage_error "$CONF" --target kernel
usage_error "$CONF" --profile nope
usage_error "$CONF" --stack nope
usage_error "$CONF" --node
usage_error "$CONF" --oracle model
usage_error "$CONF" --node /tmp --fuse-ctl a --fault-cmd b
usage_error "$AGENT" --no-such-option
usage_error "$AGENT"
usage_error "$AGENT" /nonexistent
usage_error "$AGENT" /tmp /tmp

echo "help: $PASS passed, $FAIL failed"
[ $FAIL = 0 ]
