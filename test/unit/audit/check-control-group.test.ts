import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkControlGroup, type ControlGroupFacts } from '../../../src/audit/check-control-group';
import { Accounts } from '../../../src/host/accounts';

const base: ControlGroupFacts = {
  app: 'shop', registration: '/etc/muster/apps/shop.toml', controlSocket: '/run/muster/shop/control.sock',
  appUser: 'shop', group: 'shop', operatorsRegistered: false, members: ['shop'],
};

test('the app\'s own group with only its user: nothing to report', () => {
  assert.deepEqual(checkControlGroup(base), []);
});

test('a shared app group without operators: whoever else is in it can control the app', () => {
  const [finding, ...more] = checkControlGroup({ ...base, group: 'www-data', members: ['www-data', 'shop', 'deploy'] });
  assert.equal(more.length, 0);
  assert.equal(finding!.severity, 'warning');
  assert.equal(finding!.object, '/run/muster/shop/control.sock');
  assert.match(finding!.message, /^deploy, www-data can control app shop \(stop, restart, read its logs\) through its control socket: no operators group is registered, so its group is the app's group www-data/);
  assert.match(finding!.fix, /groupadd shop-ops; set operators = "shop-ops" in \/etc\/muster\/apps\/shop\.toml/);
});

test('a registered operators group holds exactly who may control the app: nothing to report', () => {
  assert.deepEqual(checkControlGroup({ ...base, group: 'shop-ops', operatorsRegistered: true, members: ['alice', 'bob'] }), []);
});

test('membersOf: listed members and users whose primary group it is', () => {
  const accounts = Accounts.parse('www-data:x:33:33::/var/www:/usr/sbin/nologin\nshop:x:1001:1001::/home/shop:/bin/sh\n', 'www-data:x:33:deploy\nshop:x:1001:\n');
  assert.deepEqual(accounts.membersOf(33).sort(), ['deploy', 'www-data']);
  assert.deepEqual(accounts.membersOf(1001), ['shop']);
});
