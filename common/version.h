#pragma once
// The version of the running program, from one translation unit (version.cpp), so that
// a build can link another version without recompiling the rest: the self-update tests
// build a "next" agent that way (tests/update/).

namespace parc {

/// "0.1.0": the project version, as agents report it and updates compare it.
const char* version();

}  // namespace parc
