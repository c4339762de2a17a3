#pragma once
// Names the calling thread, as `top -H`, `ps -L`, perf and gdb show it: one process
// holds a dozen threads, and which one spends the CPU is the first thing asked.
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace parc {

/// Linux keeps 15 characters: longer names are cut.
void nameThisThread(std::string_view name);

/// The calling thread's name (for tests and logs).
std::string thisThreadName();

/// A thread that names itself `name`, then runs `work`.
template <typename Work>
std::thread namedThread(std::string name, Work work) {
  return std::thread([name = std::move(name), work = std::move(work)]() mutable {
    nameThisThread(name);
    work();
  });
}

}  // namespace parc
