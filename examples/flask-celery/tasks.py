"""Celery app for the flask-celery example: broker and result backend are redis on run/redis.sock."""
import os
import time

from celery import Celery

APP_DIR = os.path.dirname(os.path.abspath(__file__))
# Override with REDIS_SOCKET (absolute, or relative to this folder).
REDIS_SOCKET = os.path.join(APP_DIR, os.environ.get("REDIS_SOCKET", "run/redis.sock"))
REDIS_URL = "redis+socket://" + REDIS_SOCKET

app = Celery("tasks", broker=REDIS_URL, backend=REDIS_URL)
app.conf.update(
    accept_content=["json"],
    task_serializer="json",
    result_serializer="json",
    result_expires=3600,
    broker_connection_retry_on_startup=True,
)


@app.task
def sleep_and_mark(secs, marker):
    """Write MARKER.started, sleep SECS seconds, then write MARKER. Tests use the two files to see
    whether a task started and whether it finished (for example across a graceful stop)."""
    with open(marker + ".started", "w") as f:
        f.write("%d\n" % os.getpid())
    time.sleep(float(secs))
    with open(marker, "w") as f:
        f.write("done after %s s\n" % secs)
    return marker
