// The "next release" of parc-agent for the self-update tests: the same program, linked
// with this version instead of common/version.cpp's (an object file's definition keeps the
// library's out of the link).
#include "common/version.h"

namespace parc {

const char* version() {
  return "9.9.9";
}

}  // namespace parc
