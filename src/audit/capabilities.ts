// Linux capability numbers (include/uapi/linux/capability.h), to name the bits of CapEff & co.
const NAMES = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner',
  'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
  'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap',
  'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
];

/** 0x400n -> "net_bind_service"; every bit set, "all" when all known ones are. */
export function capabilityNames(mask: bigint): string {
  const all = (1n << BigInt(NAMES.length)) - 1n;
  if ((mask & all) === all) return 'all';
  const names: string[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if ((mask >> BigInt(bit)) & 1n) names.push(NAMES[bit] ?? `cap_${bit}`);
  }
  return names.join(',');
}
