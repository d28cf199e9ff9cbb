"""Flask app for the flask-celery example, served by uwsgi behind nginx."""
from flask import Flask, abort, request

import tasks

app = Flask(__name__)


@app.get("/")
def index():
    return "hello from flask-celery\n"


@app.get("/health")
def health():
    return "ok\n"


@app.get("/enqueue")
def enqueue():
    """/enqueue?s=N&marker=PATH queues sleep_and_mark(N, PATH) and returns the task id."""
    secs = request.args.get("s", "1")
    marker = request.args.get("marker")
    if not marker:
        abort(400, "marker=PATH is required")
    try:
        float(secs)
    except ValueError:
        abort(400, "s must be a number of seconds")
    result = tasks.sleep_and_mark.delay(secs, marker)
    return result.id + "\n"


@app.get("/result/<task_id>")
def result(task_id):
    r = tasks.app.AsyncResult(task_id)
    return "%s\n" % r.state
