// The agent unmaps its code between rounds (agent/service/idle_memory.h): the pages must
// leave the process's resident set, come back when used, and nothing written may be lost.
#include "agent/service/idle_memory.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <link.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>

namespace parc::agent::service {
namespace {

// Whether the page holding `address` is mapped in this process (bit 63 of its pagemap
// entry; readable without privileges).
bool present(const void* address) {
  int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  std::uint64_t entry = 0;
  auto page = reinterpret_cast<std::uintptr_t>(address) / sysconf(_SC_PAGESIZE);
  EXPECT_EQ(pread(fd, &entry, sizeof entry, static_cast<off_t>(page * sizeof entry)),
            static_cast<ssize_t>(sizeof entry));
  close(fd);
  return (entry >> 63) != 0;
}

bool inSegments(const std::vector<PageRange>& segments, const void* address) {
  auto a = reinterpret_cast<std::uintptr_t>(address);
  return std::any_of(segments.begin(), segments.end(),
                     [a](const PageRange& r) { return a >= r.start && a < r.start + r.length; });
}

std::string sha256Hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    static const char* const kDigits = "0123456789abcdef";
    hex += kDigits[digest[i] >> 4];
    hex += kDigits[digest[i] & 15];
  }
  return hex;
}

// Written at run time: writable memory, which release() must leave alone.
int counter = 1;
// Pointers relocated at load time: RELRO, read-only afterwards but a private copy.
const char* const kRelocated[] = {"premier", "second"};
// 1 MiB of constants: read-only pages of the test program itself. The probe is the middle
// page, far from other constants: reading any of them maps the 64 KiB around it again.
constexpr std::size_t kTableSize = std::size_t{1024} * 1024;
// Not all zero, so that it is stored in the program's read-only data, not in .bss.
alignas(4096) const std::array<unsigned char, kTableSize> kTable = {31, 7, 89};

// Reads one byte per page, through volatile so that the compiler cannot fold the sum.
unsigned sumOfPages() {
  const volatile unsigned char* table = kTable.data();
  unsigned sum = 0;
  for (std::size_t i = 0; i < kTableSize; i += 4096) sum += table[i];
  return sum;
}

TEST(IdleMemory, TakesTheCodeAndConstantsOfTheProgramAndItsLibrariesNotWhatIsWritten) {
  IdleMemory memory;
  const auto& segments = memory.segments();
  // Code: this program's, libc's, libcrypto's (through the loader, not a PLT stub).
  EXPECT_TRUE(inSegments(segments, reinterpret_cast<const void*>(&sha256Hex)));
  EXPECT_TRUE(inSegments(segments, dlsym(RTLD_DEFAULT, "memcpy")));
  EXPECT_TRUE(inSegments(segments, dlsym(RTLD_DEFAULT, "EVP_Digest")));
  EXPECT_TRUE(inSegments(segments, &kTable[kTableSize / 2]));
  // Not written memory: globals, relocated pointers, the heap, the stack.
  EXPECT_FALSE(inSegments(segments, &counter));
  EXPECT_FALSE(inSegments(segments, &kRelocated[0]));
  auto heap = std::make_unique<int>(3);
  EXPECT_FALSE(inSegments(segments, heap.get()));
  int local = 0;
  EXPECT_FALSE(inSegments(segments, &local));
}

TEST(IdleMemory, ReleaseUnmapsReadOnlyPagesThatComeBackWhenUsedAndKeepsWhatWasWritten) {
  IdleMemory memory;
  const unsigned sum = sumOfPages();
  const unsigned char* probe = &kTable[kTableSize / 2];
  ASSERT_TRUE(present(probe));
  const std::string expected = sha256Hex("mairie");
  counter = 7;

  EXPECT_GT(memory.release(), kTableSize);

  EXPECT_FALSE(present(probe)) << "a read-only page of the program stayed mapped";
  // Everything still works, from the program's own pages and from libcrypto's.
  EXPECT_EQ(sumOfPages(), sum);
  EXPECT_TRUE(present(probe));
  EXPECT_EQ(sha256Hex("mairie"), expected);
  EXPECT_EQ(counter, 7);
  EXPECT_STREQ(kRelocated[1], "second");
}

TEST(IdleMemory, TrimLeavesTheCodeMappedWhenAReleaseWasRecent) {
  IdleMemory memory;
  EXPECT_GT(memory.release(), kTableSize);
  sumOfPages();
  EXPECT_EQ(memory.trim(), 0U);
  EXPECT_TRUE(present(&kTable[kTableSize / 2])) << "trim dropped the code a minute's work needs";
}

// An object described by hand (program headers and dynamic section in this test's
// memory, load address 0): one read-only PT_LOAD of 16 pages and a PT_DYNAMIC.
struct HandMadeObject {
  static constexpr std::uintptr_t kPage = 4096;
  alignas(4096) std::array<unsigned char, 16 * kPage> code{};
  std::array<ElfW(Dyn), 3> dynamic{};
  std::array<ElfW(Phdr), 2> headers{};
  dl_phdr_info info{};

  explicit HandMadeObject(std::initializer_list<ElfW(Dyn)> entries) {
    std::copy(entries.begin(), entries.end(), dynamic.begin());  // then DT_NULL (zero)
    headers[0].p_type = PT_LOAD;
    headers[0].p_flags = PF_R | PF_X;
    headers[0].p_vaddr = reinterpret_cast<std::uintptr_t>(code.data());
    headers[0].p_memsz = code.size();
    headers[1].p_type = PT_DYNAMIC;
    headers[1].p_vaddr = reinterpret_cast<std::uintptr_t>(dynamic.data());
    info.dlpi_addr = 0;
    info.dlpi_name = "/usr/lib/x86_64-linux-gnu/libancien.so";
    info.dlpi_phdr = headers.data();
    info.dlpi_phnum = headers.size();
  }
};

TEST(IdleMemory, LeavesTheCodeOfAnObjectWithTextRelocations) {
  // A PIC library: its read-only segment is taken, whole.
  HandMadeObject pic({{DT_FLAGS, {DF_BIND_NOW}}});
  auto ranges = readOnlySegmentsOf(pic.info, HandMadeObject::kPage);
  ASSERT_EQ(ranges.size(), 1U);
  EXPECT_EQ(ranges[0].start, reinterpret_cast<std::uintptr_t>(pic.code.data()));
  EXPECT_EQ(ranges[0].length, pic.code.size());
  // The loader wrote relocations into its code: private copies, never dropped.
  HandMadeObject textrel({{DT_TEXTREL, {0}}});
  EXPECT_TRUE(hasTextRelocations(textrel.info));
  EXPECT_TRUE(readOnlySegmentsOf(textrel.info, HandMadeObject::kPage).empty());
  HandMadeObject flagged({{DT_FLAGS, {DF_BIND_NOW | DF_TEXTREL}}});
  EXPECT_TRUE(readOnlySegmentsOf(flagged.info, HandMadeObject::kPage).empty());
  // Debian's libraries and this program have none: their code is taken.
  dl_iterate_phdr(
      [](dl_phdr_info* object, std::size_t, void*) {
        EXPECT_FALSE(hasTextRelocations(*object)) << object->dlpi_name;
        return 0;
      },
      nullptr);
}

}  // namespace
}  // namespace parc::agent::service
