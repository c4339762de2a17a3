#include "agent/health/samplers/samplers.h"

namespace parc::agent::health {

std::vector<SamplerPtr> allSamplers() {
  std::vector<SamplerPtr> list;
  list.push_back(samplers::makeCpu());
  list.push_back(samplers::makeLoad());
  list.push_back(samplers::makeMemory());
  list.push_back(samplers::makeDiskUsage());
  list.push_back(samplers::makeDiskIo());
  list.push_back(samplers::makeNetwork());
  list.push_back(samplers::makeHwmon());
  list.push_back(samplers::makeBattery());
  list.push_back(samplers::makeUptime());
  list.push_back(samplers::makeSystemd());
  list.push_back(samplers::makePrinters());
  list.push_back(samplers::makeTimeSync());
  list.push_back(samplers::makeUpdates());
  list.push_back(samplers::makeSmart());
  return list;
}

}  // namespace parc::agent::health
