#include "common/version.h"

namespace parc {

// Alone in its object file: an executable that defines parc::version() itself (a test
// build) keeps this one out of the link.
const char* version() {
  return PARC_VERSION;
}

}  // namespace parc
