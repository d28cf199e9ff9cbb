'use strict';
// worker: every JOB_PAUSE_MS it runs a "job" that takes JOB_MS, then counts it in the store.
// On TERM/INT it finishes the job in progress, then exits 0.
//
// Planned crash, to show muster's restart: instance DEMO_CRASH_INSTANCE (default 1) exits with code 1
// DEMO_CRASH_AFTER seconds (default 8) after it starts, once per store lifetime: before crashing it
// sets the key crashed:<name> in the store, and a restarted worker that finds the key runs normally.
// A fresh `muster up` starts a fresh store, so each run shows exactly one crash. DEMO_CRASH_AFTER=0
// disables it.
const { makeLog } = require('./lib/log');
const { storeCommand } = require('./lib/store-client');

const log = makeLog('worker');
const jobMs = Number(process.env.JOB_MS || 1000);
const pauseMs = Number(process.env.JOB_PAUSE_MS || 2000);
const crashAfterS = Number(process.env.DEMO_CRASH_AFTER ?? 8);
const crashInstance = process.env.DEMO_CRASH_INSTANCE || '1';
const instance = (process.env.MUSTER_INSTANCE || '1').split('.').pop();

let jobsDone = 0;
let currentJob = null; // a Promise while a job runs
let nextTimer = null;
let stopping = false;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function runJob() {
  const n = jobsDone + 1;
  await sleep(jobMs); // the "work"
  jobsDone = n;
  try {
    const total = await storeCommand('INCR jobs');
    log.info(`job ${n} done (${total} jobs in the store)`);
  } catch (err) {
    log.error(`job ${n} done, but the store is unavailable (${err.code || err.message})`);
  }
}

function schedule() {
  nextTimer = setTimeout(() => {
    currentJob = runJob().finally(() => {
      currentJob = null;
      if (!stopping) schedule();
    });
  }, pauseMs);
}

async function planCrash() {
  if (!(crashAfterS > 0) || instance !== crashInstance) return;
  const key = `crashed:${log.name}`;
  let seen;
  try {
    seen = await storeCommand(`GET ${key}`);
  } catch {
    return; // no store, no planned crash
  }
  if (seen !== '(nil)') {
    log.info(`restarted after the planned crash (the store remembers ${key}); running normally`);
    return;
  }
  log.info(`will crash on purpose in ${crashAfterS} s (once), to show muster's restart`);
  setTimeout(async () => {
    if (stopping) return;
    await storeCommand(`SET ${key} 1`).catch(() => {});
    log.error(`crashing on purpose now (exit 1) after ${jobsDone} jobs`);
    process.exit(1);
  }, crashAfterS * 1000).unref();
}

async function stop(signal) {
  if (stopping) return;
  stopping = true;
  clearTimeout(nextTimer);
  if (currentJob) {
    log.info(`${signal} received, finishing job ${jobsDone + 1} first`);
    await currentJob;
  } else {
    log.info(`${signal} received, no job running`);
  }
  log.info(`stopped (${jobsDone} jobs done)`);
  process.exit(0);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

log.info(`started (pid ${process.pid}), a job every ${(jobMs + pauseMs) / 1000} s`);
planCrash();
schedule();
