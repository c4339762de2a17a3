// Every inventory section (docs/inventory.md) as French text for technicians:
// "16 Go DDR4 2666 MHz, 2 barrettes". Values are always inserted as text.
import {h, field, clear} from './dom.js';
import {formatBytes, formatDate, formatDuration, formatNumber, formatDecimal, formatPercent, yesNo} from './format.js';
import {t, has} from './i18n.js';

const dash = (v) => (v === undefined || v === null || v === '' ? '—' : v);
const list = (a) => (Array.isArray(a) ? a : []);

function kv(pairs) {
  const shown = pairs.filter(([, v]) => v !== undefined && v !== null && v !== '' && v !== '—');
  if (!shown.length) return h('p', {class: 'notice'}, t('inv.empty'));
  return h('dl', {class: 'kv'}, shown.map(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v)]));
}

function grid(columns, rows, testid) {
  if (!rows.length) return h('p', {class: 'notice'}, t('inv.none'));
  return h('table', {'data-testid': testid},
    h('thead', {}, h('tr', {}, columns.map(([label]) => h('th', {scope: 'col'}, t(label))))),
    h('tbody', {}, rows.map((r) => h('tr', {}, columns.map(([, fn]) => h('td', {}, dash(fn(r))))))));
}

function section(key, summaryText, body, open = false) {
  return h('details', {class: 'section', open, 'data-section': key},
    h('summary', {}, t(`inv.section.${key}`),
      summaryText ? h('span', {class: 'summary-text'}, summaryText) : null), body);
}

/** "16 Go DDR4 2666 MHz, 2 barrettes" (or the kernel's total when SMBIOS was unreadable). */
export function memorySummary(mem) {
  if (!mem) return '';
  const modules = list(mem.modules).filter((m) => m.populated !== false && m.size_bytes);
  if (!modules.length) return mem.total_bytes ? formatBytes(mem.total_bytes, {binary: true}) : '';
  const total = modules.reduce((s, m) => s + m.size_bytes, 0);
  const type = modules[0].type || '';
  const speed = modules[0].configured_speed_mts || modules[0].speed_mts;
  const parts = [formatBytes(total, {binary: true}), type, speed ? `${speed} MHz` : ''].filter(Boolean);
  return `${parts.join(' ')}, ${t('inv.modules', {n: modules.length})}`;
}

export function cpuSummary(cpu) {
  if (!cpu) return '';
  const bits = [];
  if (cpu.cores) bits.push(t('inv.cores', {n: cpu.cores}));
  if (cpu.threads) bits.push(t('inv.threads', {n: cpu.threads}));
  if (cpu.max_mhz) bits.push(`${formatDecimal(cpu.max_mhz / 1000)} GHz`);
  return [cpu.model_name, bits.join(', ')].filter(Boolean).join(' — ');
}

function usage(fs) {
  if (!fs.total_bytes || fs.used_bytes === undefined) return '—';
  const pct = Math.round((100 * fs.used_bytes) / fs.total_bytes);
  const level = pct >= 90 ? 'bad' : pct >= 80 ? 'warn' : '';
  return h('span', {}, h('span', {class: `bar ${level}`, role: 'img',
    'aria-label': t('inv.used', {pct})}, h('span', {class: `w${Math.min(100, Math.round(pct / 5) * 5)}`})),
  ` ${formatPercent(pct)} (${t('inv.free', {size: formatBytes(fs.available_bytes)})})`);
}

function renderSoftware(software) {
  const items = list(software);
  const input = h('input', {type: 'search', 'data-testid': 'software-search',
    placeholder: t('inv.software.searchPlaceholder')});
  const count = h('p', {'aria-live': 'polite', 'data-testid': 'software-count'});
  const holder = h('div', {});
  const LIMIT = 300;
  const draw = () => {
    const needle = input.value.trim().toLowerCase();
    const found = needle ? items.filter((s) => `${s.name} ${s.summary || ''} ${s.publisher || ''}`
      .toLowerCase().includes(needle)) : items;
    count.textContent = t('inv.software.count', {n: formatNumber(found.length), total: formatNumber(items.length)}) +
      (found.length > LIMIT ? ` ${t('inv.software.truncated', {n: LIMIT})}` : '');
    clear(holder).append(grid([
      ['inv.software.name', (s) => s.name], ['inv.software.version', (s) => s.version],
      ['inv.software.arch', (s) => s.architecture], ['inv.software.description', (s) => s.summary],
      ['inv.software.size', (s) => (s.installed_size_bytes ? formatBytes(s.installed_size_bytes) : '')],
    ], found.slice(0, LIMIT), 'software-table'));
  };
  input.addEventListener('input', draw);
  draw();
  return h('div', {}, field(t('inv.software.search'), input), count, holder);
}

const renderers = {
  system: (s) => [
    [s.sys_vendor, s.product_name].filter(Boolean).join(' '),
    kv([['inv.system.vendor', s.sys_vendor], ['inv.system.product', s.product_name],
      ['inv.system.version', s.product_version], ['inv.system.family', s.product_family],
      ['inv.system.serial', s.product_serial], ['inv.system.uuid', s.product_uuid],
      ['inv.system.chassis', s.chassis_type], ['inv.system.assetTag', s.chassis_asset_tag],
      ['inv.system.board', [s.board_vendor, s.board_name].filter(Boolean).join(' ')],
      ['inv.system.bios', [s.bios_vendor, s.bios_version, s.bios_date ? `(${s.bios_date})` : ''].filter(Boolean).join(' ')],
      ['inv.system.firmware', s.firmware_type === 'uefi' ? 'UEFI' : s.firmware_type === 'bios' ? 'BIOS' : s.firmware_type],
      ['inv.system.secureBoot', s.secure_boot === undefined ? undefined : yesNo(s.secure_boot)],
      ['inv.system.virtualization', s.virtualization === null ? t('inv.system.physical') : s.virtualization],
      ['inv.system.hostname', s.hostname]])],
  os: (o) => [
    o.pretty_name || o.name,
    kv([['inv.os.name', o.pretty_name || o.name], ['inv.os.kernel', o.kernel_release],
      ['inv.os.arch', o.arch], ['inv.os.debian', o.debian_version],
      ['inv.os.timezone', o.timezone ? `${o.timezone} (${o.timezone_abbreviation || ''})` : undefined],
      ['inv.os.boot', o.boot_time ? formatDate(o.boot_time) : undefined],
      ['inv.os.uptime', o.uptime_seconds !== undefined ? formatDuration(o.uptime_seconds) : undefined],
      ['inv.os.sshKey', o.ssh_host_key ? h('span', {class: 'mono'}, o.ssh_host_key) : undefined]])],
  cpu: (c) => [
    cpuSummary(c),
    kv([['inv.cpu.model', c.model_name], ['inv.cpu.vendor', c.vendor],
      ['inv.cpu.sockets', c.packages], ['inv.cpu.cores', c.cores], ['inv.cpu.threads', c.threads],
      ['inv.cpu.frequency', c.max_mhz ? `${formatNumber(c.max_mhz)} MHz` : undefined],
      ['inv.cpu.cache', c.caches && c.caches.l3_bytes ? `L3 ${formatBytes(c.caches.l3_bytes, {binary: true})}` : undefined],
      ['inv.cpu.virtualization', c.virtualization_extension]])],
  memory: (m) => [
    memorySummary(m),
    h('div', {},
      kv([['inv.memory.total', formatBytes(m.total_bytes, {binary: true})],
        ['inv.memory.available', m.available_bytes !== undefined ? formatBytes(m.available_bytes, {binary: true}) : undefined],
        ['inv.memory.swap', m.swap_total_bytes !== undefined ? formatBytes(m.swap_total_bytes, {binary: true}) : undefined],
        ['inv.memory.slots', m.slots_total ? t('inv.memory.slotsUsed', {used: m.slots_used || 0, total: m.slots_total}) : undefined]]),
      list(m.modules).length ? grid([
        ['inv.memory.locator', (x) => x.locator], ['inv.memory.size', (x) => (x.populated === false ? t('inv.memory.empty') : formatBytes(x.size_bytes, {binary: true}))],
        ['inv.memory.type', (x) => x.type], ['inv.memory.speed', (x) => (x.configured_speed_mts || x.speed_mts ? `${x.configured_speed_mts || x.speed_mts} MHz` : '')],
        ['inv.memory.maker', (x) => x.manufacturer], ['inv.memory.part', (x) => x.part_number],
        ['inv.memory.serial', (x) => x.serial_number]], list(m.modules), 'memory-modules') : null)],
  storage: (s) => [
    t('inv.storage.summary', {n: list(s.disks).length, size: formatBytes(list(s.disks).reduce((a, d) => a + (d.size_bytes || 0), 0))}),
    h('div', {},
      h('h3', {}, t('inv.storage.disks')),
      grid([['inv.storage.name', (d) => d.name], ['inv.storage.model', (d) => [d.vendor, d.model].filter(Boolean).join(' ')],
        ['inv.storage.kind', (d) => (has(`inv.disk.${d.kind}`) ? t(`inv.disk.${d.kind}`) : d.kind)],
        ['inv.storage.size', (d) => formatBytes(d.size_bytes)], ['inv.storage.serial', (d) => d.serial],
        ['inv.storage.health', (d) => (d.smart ? (d.smart.health_passed === false ?
          h('span', {class: 'badge bad'}, t('inv.storage.failing')) :
          [t('inv.storage.healthy'), d.smart.temperature_celsius !== undefined ? ` · ${d.smart.temperature_celsius} °C` : '',
            d.smart.percentage_used !== undefined ? ` · ${t('inv.storage.wear', {pct: d.smart.percentage_used})}` : ''].join('')) : '')]],
      list(s.disks), 'disks'),
      h('h3', {}, t('inv.storage.filesystems')),
      grid([['inv.storage.mount', (x) => x.mount_point], ['inv.storage.device', (x) => x.device],
        ['inv.storage.fstype', (x) => x.type], ['inv.storage.size', (x) => (x.total_bytes ? formatBytes(x.total_bytes) : '')],
        ['inv.storage.usage', usage]], list(s.filesystems), 'filesystems'),
      list(s.raid).length ? [h('h3', {}, 'RAID'), grid([['inv.storage.name', (r) => r.name], ['inv.storage.level', (r) => r.level],
        ['inv.storage.state', (r) => r.state], ['inv.storage.degraded', (r) => r.degraded_disks]], list(s.raid), 'raid')] : null)],
  network: (n) => [
    t('inv.network.summary', {n: list(n).length}),
    grid([['inv.network.name', (x) => x.name], ['inv.network.kind', (x) => x.kind], ['inv.network.mac', (x) => x.mac],
      ['inv.network.addresses', (x) => list(x.addresses).map((a) => `${a.address}/${a.prefix_length}`).join(', ')],
      ['inv.network.state', (x) => (x.state === 'up' ? t('inv.network.up') : x.state === 'down' ? t('inv.network.down') : x.state)],
      ['inv.network.speed', (x) => (x.speed_mbps ? `${formatNumber(x.speed_mbps)} Mbit/s` : '')]], list(n), 'network')],
  network_config: (c) => [
    c.default_gateway ? t('inv.netconf.gatewayShort', {gw: c.default_gateway}) : '',
    kv([['inv.netconf.gateway', c.default_gateway], ['inv.netconf.interface', c.default_interface],
      ['inv.netconf.dns', list(c.dns_servers).join(', ')], ['inv.netconf.domain', c.dns_domain],
      ['inv.netconf.search', list(c.dns_search).join(', ')]])],
  monitors: (m) => [
    t('inv.monitors.summary', {n: list(m).length}),
    grid([['inv.monitors.connector', (x) => x.connector], ['inv.monitors.name', (x) => x.name || x.manufacturer_name],
      ['inv.monitors.maker', (x) => x.manufacturer_name || x.manufacturer], ['inv.monitors.serial', (x) => x.serial || x.serial_number],
      ['inv.monitors.size', (x) => (x.diagonal_inches ? `${formatDecimal(x.diagonal_inches)}″` : '')],
      ['inv.monitors.resolution', (x) => (x.preferred_width_px ? `${x.preferred_width_px} × ${x.preferred_height_px}` : '')],
      ['inv.monitors.year', (x) => x.year_of_manufacture]], list(m), 'monitors')],
  batteries: (b) => [
    list(b).length ? t('inv.batteries.summary', {n: list(b).length}) : '',
    grid([['inv.batteries.name', (x) => [x.manufacturer, x.model].filter(Boolean).join(' ') || x.name],
      ['inv.batteries.health', (x) => (x.health_percent !== undefined ? formatPercent(x.health_percent) : '')],
      ['inv.batteries.charge', (x) => (x.capacity_percent !== undefined ? formatPercent(x.capacity_percent) : '')],
      ['inv.batteries.cycles', (x) => x.cycle_count], ['inv.batteries.status', (x) => x.status]], list(b), 'batteries')],
  software: (s) => [t('inv.software.summary', {n: formatNumber(list(s).length)}), renderSoftware(s)],
  users: (u) => [
    t('inv.users.summary', {n: list(u.users).filter((x) => !x.system).length}),
    grid([['inv.users.name', (x) => x.name], ['inv.users.fullName', (x) => x.full_name], ['inv.users.uid', (x) => x.uid],
      ['inv.users.shell', (x) => x.shell]], list(u.users).filter((x) => !x.system), 'users')],
  sessions: (s) => [
    s.last_user ? t('inv.sessions.last', {user: s.last_user}) : '',
    h('div', {}, kv([['inv.sessions.lastUser', s.last_user], ['inv.sessions.lastLogin', s.last_login_time ? formatDate(s.last_login_time) : undefined]]),
      grid([['inv.sessions.user', (x) => x.user], ['inv.sessions.tty', (x) => x.tty], ['inv.sessions.from', (x) => x.host],
        ['inv.sessions.since', (x) => formatDate(x.login_time)]], list(s.logged_in), 'sessions'))],
  printers: (p) => [
    t('inv.printers.summary', {n: list(p).length}),
    grid([['inv.printers.name', (x) => x.name], ['inv.printers.model', (x) => x.make_model], ['inv.printers.location', (x) => x.location],
      ['inv.printers.state', (x) => x.state], ['inv.printers.default', (x) => yesNo(x.default)]], list(p), 'printers')],
  antivirus: (a) => [
    list(a).length ? list(a).map((x) => x.name).join(', ') : t('inv.antivirus.none'),
    grid([['inv.antivirus.name', (x) => x.name], ['inv.antivirus.version', (x) => x.version],
      ['inv.antivirus.enabled', (x) => yesNo(x.daemon_enabled)], ['inv.antivirus.database', (x) => (x.database_time ? formatDate(x.database_time) : '')]], list(a), 'antivirus')],
  firewall: (f) => [
    f.status === 'on' ? t('inv.firewall.on') : t('inv.firewall.off'),
    grid([['inv.firewall.manager', (x) => x.name], ['inv.firewall.enabled', (x) => yesNo(x.enabled)]], list(f.managers), 'firewall')],
  pci_devices: (p) => [
    t('inv.pci.summary', {n: list(p).length}),
    grid([['inv.pci.slot', (x) => x.slot], ['inv.pci.class', (x) => x.subclass_name || x.class_name],
      ['inv.pci.vendor', (x) => x.vendor_name || x.vendor_id], ['inv.pci.device', (x) => x.device_name || x.device_id],
      ['inv.pci.driver', (x) => x.driver]], list(p), 'pci')],
  usb_devices: (u) => [
    t('inv.usb.summary', {n: list(u).length}),
    grid([['inv.usb.port', (x) => x.port], ['inv.usb.vendor', (x) => x.manufacturer || x.vendor_name || x.vendor_id],
      ['inv.usb.product', (x) => x.product || x.product_name || x.product_id], ['inv.usb.serial', (x) => x.serial]], list(u), 'usb')],
  processes: (p) => [
    t('inv.processes.summary', {n: list(p).length}),
    grid([['inv.processes.pid', (x) => x.pid], ['inv.processes.name', (x) => x.name], ['inv.processes.user', (x) => x.user],
      ['inv.processes.memory', (x) => (x.rss_bytes ? formatBytes(x.rss_bytes, {binary: true}) : '')]],
    list(p).slice().sort((a, b) => (b.rss_bytes || 0) - (a.rss_bytes || 0)).slice(0, 50), 'processes')],
};

const ORDER = ['system', 'os', 'cpu', 'memory', 'storage', 'network', 'network_config', 'monitors',
  'batteries', 'printers', 'antivirus', 'firewall', 'software', 'users', 'sessions', 'pci_devices',
  'usb_devices', 'processes'];

// Sections this console does not know yet: shown as key/value text rather than hidden.
function generic(value) {
  if (value === null || typeof value !== 'object') return h('span', {}, String(value));
  if (Array.isArray(value)) return h('ul', {}, value.slice(0, 200).map((v) => h('li', {}, generic(v))));
  return h('dl', {class: 'kv'}, Object.entries(value).map(([k, v]) => [h('dt', {}, k), h('dd', {}, generic(v))]));
}

export function renderInventory(inv) {
  if (!inv || typeof inv !== 'object') return [h('p', {class: 'notice'}, t('inv.noInventory'))];
  const out = [];
  for (const key of ORDER) {
    if (inv[key] === undefined || inv[key] === null) continue;
    let summary = '', body;
    try {
      [summary, body] = renderers[key](inv[key]);
    } catch {
      body = generic(inv[key]);
    }
    out.push(section(key, summary, body, key === 'system' || key === 'memory' || key === 'storage'));
  }
  for (const [key, value] of Object.entries(inv)) {
    if (ORDER.includes(key) || key === 'agent' || key.startsWith('_')) continue;
    out.push(h('details', {class: 'section', 'data-section': key}, h('summary', {}, key), generic(value)));
  }
  const warnings = list(inv._warnings);
  if (warnings.length) {
    out.push(section('warnings', t('inv.warnings.summary', {n: warnings.length}),
      h('ul', {}, warnings.map((w) => h('li', {}, typeof w === 'string' ? w : JSON.stringify(w))))));
  }
  return out;
}
