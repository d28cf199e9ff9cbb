#!/bin/bash
# Flood child for bench/status.sh: records its start like the harness' children, waits for
# STATE_DIR/go, then writes LINE_BYTES-byte lines (default 1024: 1023 x + newline) to stdout as
# fast as it can (`yes`, buffered 8 KiB+ writes) until it is killed. Without the go file it
# just waits, so a supervisor restarting it does not flood again.
#   usage: flood.sh STATE_DIR NAME [LINE_BYTES]
st=$1 name=$2 len=${3:-1024}
printf '%s %s\n' "${EPOCHREALTIME/./}" "$$" >> "$st/$name.starts"
while [ ! -e "$st/go" ]; do sleep 0.05; done
printf -v line '%*s' $((len - 1)) ''; line=${line// /x}
# argv[0] marks it as a bench child (the harness' cleanup recognises benchchild-*); stderr dropped
# (under supervisord SIGPIPE is ignored and yes would complain into the log).
exec -a "benchchild-$name" yes "$line" 2>/dev/null
