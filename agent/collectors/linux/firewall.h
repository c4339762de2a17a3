#pragma once
// Section "firewall": which netfilter front end is configured and enabled (ufw,
// firewalld, the nftables and netfilter-persistent services), and the netfilter tables
// the kernel holds (iptables tables from /proc/net/*_tables_names; nftables tables from
// `nft list tables`, live and root only).
#include <string>
#include <string_view>
#include <vector>

#include "agent/collectors/collector.h"

namespace parc::agent::collectors::linux_ {

/// ufw.conf: ENABLED=yes|no; nullopt when the line is missing.
std::optional<bool> parseUfwEnabled(std::string_view ufwConf);

/// firewalld.conf: DefaultZone=...; empty when absent.
std::string parseFirewalldDefaultZone(std::string_view conf);

/// `nft list tables` output ("table inet filter") -> "inet filter", in order.
std::vector<std::string> parseNftTables(std::string_view output);

CollectorPtr makeFirewallCollector();

}  // namespace parc::agent::collectors::linux_
