#pragma once
// The allow-listed remote actions and their typed parameters, shared by the server
// (validates before sending, shows the forms) and the agent (validates again, runs them:
// agent/remote/actions/). An action carried over the control channel is the command
// `action` with the payload {"name": "...", "params": {...}}.
#include <cstdint>
#include <string>
#include <vector>

#include "common/json/json.h"

namespace parc::remote {

enum class ParamType {
  kUnit,       // a systemd unit name: [A-Za-z0-9@._:-], at most 128, optional ".service"
  kInterface,  // a network interface name (Linux IFNAMSIZ: 1–15 characters)
  kPrinter,    // a CUPS queue name
  kMessage,    // a line of text shown to the user: printable, at most 200 characters
  kInteger,
};

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kInteger;
  bool required = false;
  std::int64_t min = 0, max = 0, fallback = 0;  // integers
  std::string label;                            // French, for the console form
};

struct ActionSpec {
  std::string name;
  std::string label;  // French
  std::vector<ParamSpec> params;
  int defaultTimeoutSeconds = 60;
};

/// Every action, in the order the console shows them.
const std::vector<ActionSpec>& actionCatalog();
/// The action of that name; kNotFound for any other name.
const ActionSpec& findAction(const std::string& name);

/// The parameters checked against the spec, defaults filled in: kBadRequest for an
/// unknown parameter, a missing required one, a wrong type or a value out of pattern.
Json validateParams(const ActionSpec& spec, const Json& params);

/// The catalog as JSON for the console and parcctl.
Json catalogJson();

bool isValidUnitName(const std::string& s);
bool isValidInterfaceName(const std::string& s);

}  // namespace parc::remote
