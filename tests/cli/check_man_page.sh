#!/bin/sh
# SPDX-License-Identifier: MIT
# The man page cannot drift from the tool: every command 'nnb --help' lists has a section ".SS \"nnb CMD\"" in
# nnb.1, and every option 'nnb CMD --help' prints appears in that command's section (--help, which every
# command takes, in the page's OPTIONS section). Also checks that the page formats without a groff warning
# when groff is installed.
# usage: check_man_page.sh NNB MAN_PAGE
set -u
NNB=$1
PAGE=$2
fails=0
# The page's text with roff's escaped hyphens made plain.
text=$(sed 's/\\-/-/g' "$PAGE")

# section NAME: the lines from '.SS "NAME"' up to the next .SS or .SH.
section() {
    printf '%s\n' "$text" | awk -v want=".SS \"$1\"" '
        $0 == want { on = 1; next }
        on && /^\.S[SH]/ { exit }
        on { print }'
}

commands=$("$NNB" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
if [ -z "$commands" ]; then
    echo "FAIL: nnb --help lists no commands"
    exit 1
fi
for cmd in $commands; do
    body=$(section "nnb $cmd")
    if [ -z "$body" ]; then
        echo "FAIL: nnb.1 has no section .SS \"nnb $cmd\""
        fails=$((fails + 1))
        continue
    fi
    # A command that also works on tables has a second help text (nnb CMD --data FILE.csv --help).
    for opt in $({ "$NNB" "$cmd" --help; "$NNB" "$cmd" --data table.csv --help 2>/dev/null; } |
        grep -o -e '--[a-z][a-z0-9-]*' | sort -u); do
        [ "$opt" = --help ] && continue
        if printf '%s\n' "$body" | grep -q -e "$opt"; then
            echo "ok: nnb $cmd $opt is in nnb.1"
        else
            echo "FAIL: nnb $cmd --help prints $opt, the man page's 'nnb $cmd' section does not document it"
            fails=$((fails + 1))
        fi
    done
done
# The top-level options are those of the usage line.
for opt in $("$NNB" --help | head -n 1 | grep -o -e '--[a-z][a-z0-9-]*' | sort -u); do
    if section_text=$(printf '%s\n' "$text" | awk '/^\.SH OPTIONS/ { on = 1; next } on && /^\.SH/ { exit } on { print }') &&
        printf '%s\n' "$section_text" | grep -q -e "$opt"; then
        echo "ok: nnb $opt is in the OPTIONS section"
    else
        echo "FAIL: nnb --help's usage line has $opt, the man page's OPTIONS section does not document it"
        fails=$((fails + 1))
    fi
done

if command -v groff >/dev/null 2>&1; then
    # Typeset for print (groff's default device) and for a terminal (what man shows): no warning in either.
    warnings=$(groff -ww -man -z "$PAGE" 2>&1 && groff -ww -man -Tutf8 -z "$PAGE" 2>&1)
    if [ $? -ne 0 ] || [ -n "$warnings" ]; then
        echo "FAIL: groff -ww -man reports:"
        printf '%s\n' "$warnings" | sed 's/^/    /'
        fails=$((fails + 1))
    else
        echo "ok: groff -ww -man formats nnb.1 without a warning (default device and -Tutf8)"
    fi
else
    echo "note: groff is not installed (Debian: groff-base); the formatting check is skipped"
fi
[ "$fails" -eq 0 ]
