#!/bin/sh
# Installs the Debian packages the integration tests start for real (nginx, uwsgi, gunicorn, celery, redis),
# only when one is missing. Needs root (or sudo) the first time.
set -eu
# passwd (useradd), util-linux (setpriv, prlimit, runuser), procps (pkill) and curl: the host tier tests, as root.
packages="nginx uwsgi uwsgi-plugin-python3 gunicorn python3-flask python3-celery python3-redis redis-server passwd util-linux procps curl"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing Debian packages:$missing"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq $missing
