#include "agent/service/idle_memory.h"

#include <link.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>

namespace parc::agent::service {

namespace {

// The program itself has an empty name; files have absolute paths; the vDSO
// ("linux-vdso.so.1") is the kernel's and is left alone.
bool loadedFromFile(const dl_phdr_info& object, bool first) {
  const char* name = object.dlpi_name;
  return name != nullptr && (name[0] == '/' || (first && name[0] == '\0'));
}

struct Walk {
  std::uintptr_t pageSize;
  std::vector<PageRange> ranges;
  bool first = true;
};

bool overlapsWritable(const dl_phdr_info& object, std::uintptr_t page, std::uintptr_t pageSize) {
  for (int i = 0; i < object.dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = object.dlpi_phdr[i];
    if (segment.p_type != PT_LOAD || (segment.p_flags & PF_W) == 0) continue;
    std::uintptr_t begin = object.dlpi_addr + segment.p_vaddr;
    if (page + pageSize > begin && page < begin + segment.p_memsz) return true;
  }
  return false;
}

int collectSegments(dl_phdr_info* object, std::size_t /*size*/, void* data) {
  auto& walk = *static_cast<Walk*>(data);
  bool fromFile = loadedFromFile(*object, walk.first);
  walk.first = false;
  if (!fromFile) return 0;
  for (const PageRange& range : readOnlySegmentsOf(*object, walk.pageSize))
    walk.ranges.push_back(range);
  return 0;
}

std::int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

bool hasTextRelocations(const dl_phdr_info& object) {
  for (int i = 0; i < object.dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = object.dlpi_phdr[i];
    if (segment.p_type != PT_DYNAMIC) continue;
    // NOLINTNEXTLINE(performance-no-int-to-ptr): addresses from the loader's own tables
    const auto* entry = reinterpret_cast<const ElfW(Dyn)*>(object.dlpi_addr + segment.p_vaddr);
    for (; entry->d_tag != DT_NULL; ++entry) {
      if (entry->d_tag == DT_TEXTREL) return true;
      if (entry->d_tag == DT_FLAGS && (entry->d_un.d_val & DF_TEXTREL) != 0) return true;
    }
  }
  return false;
}

std::vector<PageRange> readOnlySegmentsOf(const dl_phdr_info& object, std::uintptr_t page) {
  std::vector<PageRange> ranges;
  if (hasTextRelocations(object)) return ranges;
  for (int i = 0; i < object.dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = object.dlpi_phdr[i];
    if (segment.p_type != PT_LOAD || (segment.p_flags & PF_W) != 0) continue;
    // The pages the loader mapped for it, less any it shares with a writable segment
    // (possible at either end when the linker packs segments): those hold private copies.
    std::uintptr_t begin = (object.dlpi_addr + segment.p_vaddr) & ~(page - 1);
    std::uintptr_t end =
        (object.dlpi_addr + segment.p_vaddr + segment.p_memsz + page - 1) & ~(page - 1);
    while (begin < end && overlapsWritable(object, begin, page)) begin += page;
    while (begin < end && overlapsWritable(object, end - page, page)) end -= page;
    if (end > begin) ranges.push_back({begin, end - begin});
  }
  return ranges;
}

std::vector<PageRange> readOnlySegments() {
  Walk walk{static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE)), {}};
  dl_iterate_phdr(collectSegments, &walk);
  return walk.ranges;
}

IdleMemory::IdleMemory() : segments_(readOnlySegments()) {}

std::size_t IdleMemory::release() {
  malloc_trim(0);
  return unmapSegments();
}

std::size_t IdleMemory::trim() {
  malloc_trim(0);
  return steadyMs() - lastUnmapMs_.load() >= kTrimUnmapsAfterMs ? unmapSegments() : 0;
}

std::size_t IdleMemory::unmapSegments() {
  lastUnmapMs_ = steadyMs();
  std::size_t advised = 0;
  for (const PageRange& range : segments_) {
    // NOLINTNEXTLINE(performance-no-int-to-ptr): addresses from the loader's own tables
    if (madvise(reinterpret_cast<void*>(range.start), range.length, MADV_DONTNEED) == 0)
      advised += range.length;
  }
  return advised;
}

}  // namespace parc::agent::service
