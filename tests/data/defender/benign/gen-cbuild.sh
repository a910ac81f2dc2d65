#!/bin/sh
# Write a small C project into DIR: N sources, a Makefile and a build.ninja.
# Usage: gen-cbuild.sh DIR N
set -e
dir=$1
n=$2
mkdir -p "$dir"
cd "$dir"
i=0
objs=
: >build.ninja
printf 'rule cc\n  command = cc -O1 -c $in -o $out\nrule link\n  command = cc $in -o $out\n' >build.ninja
while [ "$i" -lt "$n" ]; do
	printf 'int f%d(int x) { return x * %d + 1; }\n' "$i" "$i" >"f$i.c"
	printf 'build n%d.o: cc f%d.c\n' "$i" "$i" >>build.ninja
	objs="$objs f$i.o"
	i=$((i + 1))
done
printf 'int main(void) { return 0; }\n' >main.c
printf 'build nmain.o: cc main.c\nbuild prog-ninja: link nmain.o %s\n' \
	"$(seq -f 'n%g.o' 0 $((n - 1)) | tr '\n' ' ')" >>build.ninja
printf 'prog: main.o%s\n\tcc -o $@ $^\n%%.o: %%.c\n\tcc -O1 -c -o $@ $<\n' "$objs" >Makefile
