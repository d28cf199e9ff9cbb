'use strict';
// One short line per event. Under muster (MUSTER_PROCESS is set) muster prefixes each line with the
// instance name, so we print the bare message; run by hand, we add the name ourselves.

function instanceName(fallback) {
  const proc = process.env.MUSTER_PROCESS || fallback;
  const inst = process.env.MUSTER_INSTANCE;
  if (inst && inst.includes('.')) return inst; // muster may pass "worker.2"
  return inst ? `${proc}.${inst}` : proc;
}

function makeLog(fallbackName) {
  const name = instanceName(fallbackName);
  const prefix = process.env.MUSTER_PROCESS ? '' : `${name}: `;
  return {
    name,
    info: (msg) => process.stdout.write(`${prefix}${msg}\n`),
    error: (msg) => process.stderr.write(`${prefix}${msg}\n`),
  };
}

module.exports = { makeLog };
