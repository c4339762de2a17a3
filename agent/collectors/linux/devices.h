#pragma once
// Sections "pci_devices" and "usb_devices": the devices on the PCI and USB buses from
// sysfs (/sys/bus/pci/devices, /sys/bus/usb/devices), named through pci.ids/usb.ids.
#include "agent/collectors/collector.h"

namespace parc::agent::collectors::linux_ {

CollectorPtr makePciCollector();
CollectorPtr makeUsbCollector();

}  // namespace parc::agent::collectors::linux_
