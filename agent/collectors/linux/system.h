#pragma once
// Section "system": host name, machine identity (DMI), firmware and Secure Boot.
#include <optional>
#include <string>
#include <string_view>

#include "agent/collectors/collector.h"

namespace parc::agent::collectors::linux_ {

/// Name of an SMBIOS chassis type (DMI chassis_type), e.g. 3 -> "Desktop"; "Unknown"
/// for values the specification does not define.
std::string chassisTypeName(int type);

/// Value of a boolean EFI variable as the efivarfs file holds it: 4 attribute bytes,
/// then the data byte. nullopt when the bytes are too short.
std::optional<bool> parseEfiBoolVariable(std::string_view bytes);

/// DMI's BIOS date "MM/DD/YYYY" as ISO "YYYY-MM-DD"; nullopt when it is not that shape.
std::optional<std::string> isoDateFromDmi(std::string_view dmiDate);

/// True for the strings firmware vendors leave in unset identity fields
/// ("To Be Filled By O.E.M.", "Default string", "0123456789"...): they are not serials.
bool isPlaceholder(std::string_view value);

/// The hypervisor a DMI vendor/product pair names ("kvm", "qemu", "vmware",
/// "virtualbox", "hyperv", "xen", "bochs"), or nullopt for physical hardware.
std::optional<std::string> virtualizationFromDmi(std::string_view vendor, std::string_view product);

CollectorPtr makeSystemCollector();

}  // namespace parc::agent::collectors::linux_
