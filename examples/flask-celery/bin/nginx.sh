#!/bin/sh
# Start nginx for the flask-celery example, in the foreground, with everything under run/.
# nginx cannot read environment variables in its config, so this writes run/nginx.conf from
# nginx.conf.in first, then execs nginx: nginx keeps this PID and stays muster's main process,
# so muster's QUIT (graceful stop) and HUP (reload) reach the nginx master directly.
#
#   NGINX_PORT    port to listen on, default 8080 (on 127.0.0.1)
#   NGINX_LISTEN  full listen address instead, e.g. 0.0.0.0:8080
set -eu

app_dir=$(cd "$(dirname "$0")/.." && pwd -P)
run_dir="$app_dir/run"
port=${NGINX_PORT:-8080}
listen=${NGINX_LISTEN:-127.0.0.1:$port}

case $port in
    '' | *[!0-9]*) echo "nginx.sh: NGINX_PORT must be a number, got '$port'" >&2; exit 2 ;;
esac

# Started as root, nginx switches its workers to "user" (default nobody). They must reach
# run/uwsgi.sock, which muster creates owned by the user it runs as (mode 0660), inside the
# app folder, which may not be traversable by others (mkdtemp makes 0700 folders). So the
# workers run as the same user as everything else: root here. Not root: nginx cannot switch
# users anyway and the workers simply run as us, so no "user" line is written.
if [ "$(id -u)" = 0 ]; then
    user_line='user root;'
else
    user_line=''
fi

mkdir -p "$run_dir/nginx-tmp"

# Escape characters special in a sed replacement (\, &, and the | delimiter).
esc() { printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'; }
sed -e "s|@RUN_DIR@|$(esc "$run_dir")|g" \
    -e "s|@LISTEN@|$(esc "$listen")|g" \
    -e "s|@USER_LINE@|$(esc "$user_line")|g" \
    "$app_dir/nginx.conf.in" > "$run_dir/nginx.conf.new"
mv "$run_dir/nginx.conf.new" "$run_dir/nginx.conf"

echo "nginx.sh: listening on $listen, config $run_dir/nginx.conf"
exec nginx -c "$run_dir/nginx.conf" -p "$run_dir/" -e stderr
