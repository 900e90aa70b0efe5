#!/bin/sh
# The demo consumer: greets in capitals with textkit's help.
. "$(dirname "$0")/../.graft/textkit/textkit.sh"

tk_upper "hello from the app"
