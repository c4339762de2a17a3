// Who is signed in, and what their role lets the interface offer. The server decides;
// hiding what a role cannot do only spares the user refusals.
import {t} from './i18n.js';

let current = null;

export function user() {
  return current;
}

export function setUser(u) {
  current = u ? (u.user ? u.user : u) : null;
}

const abilities = {
  administrator: ['hosts.read', 'hosts.write', 'hosts.command', 'tenants.read', 'tenants.write',
    'tokens.read', 'tokens.write', 'audit.read', 'users.admin', 'alerts.write', 'api_tokens',
    'hosts.remote_support', 'scripts.write', 'alert_rules.write', 'channels.write', 'backups.restore'],
  technician: ['hosts.read', 'hosts.write', 'hosts.command', 'tenants.read', 'tokens.read',
    'tokens.write', 'alerts.write', 'api_tokens', 'hosts.remote_support', 'alert_rules.write', 'channels.write',
    'backups.restore'],
  helpdesk: ['hosts.read', 'tenants.read', 'alerts.write', 'api_tokens', 'hosts.remote_support'],
  read_only: ['hosts.read', 'tenants.read', 'api_tokens'],
  town_hall_staff: ['hosts.read', 'tenants.read'],
};

export function can(ability) {
  return Boolean(current && (abilities[current.role] || []).includes(ability));
}

export function roleLabel(role) {
  return t(`role.${role}`);
}
