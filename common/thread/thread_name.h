#pragma once
// Names the calling thread, as `top -H`, `ps -L`, perf and gdb show it: one process
// holds a dozen threads, and which one spends the CPU is the first thing asked.
#include <string>
#include <string_view>

namespace parc {

/// Linux keeps 15 characters: longer names are cut.
void nameThisThread(std::string_view name);

/// The calling thread's name (for tests and logs).
std::string thisThreadName();

}  // namespace parc
