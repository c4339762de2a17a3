#pragma once
// Between its rounds the agent gives back what it holds but does not use: the heap's free
// pages, and the page-table entries of its code. Code pages are file pages: the kernel maps
// them 64 KiB at a time around each one touched ("fault-around"), and an hourly inventory
// or SMART round leaves megabytes of collectors, hwloc and libcrypto mapped that the
// one-minute loop never runs again. Unmapped, they stay in the page cache (shared, the first
// thing reclaimed under pressure) and come back on the next use with a minor fault; mapped
// executable pages, by contrast, are among the last the kernel reclaims.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

struct dl_phdr_info;  // <link.h>

namespace parc::agent::service {

/// A range of memory, whole pages.
struct PageRange {
  std::uintptr_t start = 0;
  std::size_t length = 0;
};

/// The read-only segments (code, constants) of the program and of the shared libraries
/// loaded from files so far, in whole pages. None is ever written, so none holds a private
/// copy that unmapping would lose (writable and RELRO segments, any page they share with a
/// read-only one, and every segment of an object with text relocations, are left).
std::vector<PageRange> readOnlySegments();

/// Those of one loaded object (`page`: the page size); none when it has text relocations.
std::vector<PageRange> readOnlySegmentsOf(const dl_phdr_info& object, std::uintptr_t page);

/// Whether the loader had to write into the object's code to relocate it (DT_TEXTREL, or
/// DF_TEXTREL in DT_FLAGS: old non-PIC libraries): those code pages are private copies,
/// and dropping them would bring back the unrelocated file's bytes.
bool hasTextRelocations(const dl_phdr_info& object);

class IdleMemory {
 public:
  /// Takes the segments at start: the program's and its libraries', which stay mapped for
  /// the life of the process. A library opened later (an hwloc plugin) could be unloaded,
  /// and its addresses reused by memory that must not be dropped.
  IdleMemory();
  /// malloc_trim, then drops the page-table entries of those segments; returns the bytes
  /// of address space advised (not all of it was resident). For the end of a minute's
  /// work, the delivery: the next round maps its code again, a few hundred minor faults
  /// (~12 ms on this project's VM, docs/benchmarks.md).
  std::size_t release();
  /// malloc_trim, and the code too when release() has not run for 5 minutes (nothing
  /// delivered: the server unreachable). For the rounds that a delivery follows.
  std::size_t trim();
  // Both are safe from any thread.
  const std::vector<PageRange>& segments() const { return segments_; }

 private:
  std::size_t unmapSegments();

  std::vector<PageRange> segments_;
  static constexpr std::int64_t kTrimUnmapsAfterMs = 5 * 60 * 1000;
  // steady_clock ms, which start at boot: the first trim() unmaps.
  std::atomic<std::int64_t> lastUnmapMs_{-kTrimUnmapsAfterMs};
};

}  // namespace parc::agent::service
