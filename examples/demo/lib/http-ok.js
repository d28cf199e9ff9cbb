'use strict';
// Readiness check for muster's `exec` probe: exits 0 when GET <url> answers 200 within 2 s, else 1.
// Used instead of an `http` probe because the port comes from the environment ($PORT), and muster
// expands variables only in `env` values and .env, not in probe URLs.
const http = require('node:http');

const url = process.argv[2] || `http://127.0.0.1:${process.env.PORT || 5100}/health`;
const req = http.get(url, { timeout: 2000 }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', () => process.exit(1));
