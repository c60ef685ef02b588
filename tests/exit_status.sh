#!/bin/sh
# Runs a command with its standard error merged into its standard output, then prints its exit
# status as a last line "exit=N". A ctest entry that passes on PASS_REGULAR_EXPRESSION ignores the
# exit status; running it through this script lets the expression match the status too.
"$@" 2>&1
echo "exit=$?"
