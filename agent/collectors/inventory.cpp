#include <future>
#include <thread>

#include "agent/collectors/collector.h"
#include "common/thread/thread_name.h"

namespace parc::agent::collectors {

namespace {

struct Outcome {
  Json data;
  std::vector<std::string> warnings;
};

// Each collector runs on its own thread so that one stuck on a hung device cannot
// hold the whole inventory; past its timeout it is abandoned and reported.
Outcome runWithTimeout(const CollectorPtr& collector, const CollectContext& context) {
  auto task = std::make_shared<std::packaged_task<Outcome()>>([collector, context] {
    Outcome out;
    out.data = collector->collect(context, out.warnings);
    return out;
  });
  auto future = task->get_future();
  namedThread(std::string(collector->name()), [task] { (*task)(); }).detach();
  if (future.wait_for(context.timeout) != std::future_status::ready) {
    return {Json(),
            {std::string(collector->name()) + ": timed out after " +
             std::to_string(context.timeout.count()) + " ms"}};
  }
  try {
    return future.get();
  } catch (const std::exception& e) {
    return {Json(), {std::string(collector->name()) + ": failed: " + e.what()}};
  }
}

}  // namespace

Json collectInventory(const CollectContext& context, const std::vector<CollectorPtr>& collectors) {
  Json doc = Json::object();
  Json warnings = Json::array();
  for (const auto& c : collectors) {
    Outcome out = runWithTimeout(c, context);
    if (!out.data.is_null()) doc[std::string(c->name())] = std::move(out.data);
    for (auto& w : out.warnings) warnings.push_back(std::move(w));
  }
  if (!warnings.empty()) doc["_warnings"] = std::move(warnings);
  return doc;
}

}  // namespace parc::agent::collectors
