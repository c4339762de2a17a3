#include "agent/collectors/linux/ids.h"

#include "agent/collectors/linux/read.h"

namespace parc::agent::collectors::linux_ {

namespace {

std::optional<unsigned> hexField(std::string_view s, std::size_t digits) {
  if (s.size() < digits) return std::nullopt;
  unsigned v = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    char c = s[i];
    unsigned d;
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    v = v * 16 + d;
  }
  // The id is followed by two spaces and the name.
  if (s.size() > digits && s[digits] != ' ') return std::nullopt;
  return v;
}

std::string nameAfter(std::string_view line, std::size_t idDigits) {
  return trim(line.substr(std::min(line.size(), idDigits)));
}

}  // namespace

IdsNames parseIds(std::string_view text, const std::set<std::uint16_t>& vendors) {
  IdsNames out;
  std::optional<std::uint16_t> vendor;  // current vendor block, when wanted
  std::optional<std::uint8_t> klass;    // current class block
  bool inVendor = false;                // inside some vendor block (wanted or not)
  for (std::string_view line : splitLines(text)) {
    if (line.empty() || line.front() == '#') continue;
    if (line.front() != '\t') {
      vendor.reset();
      klass.reset();
      inVendor = false;
      if (auto v = hexField(line, 4)) {
        inVendor = true;
        if (vendors.count(static_cast<std::uint16_t>(*v))) {
          vendor = static_cast<std::uint16_t>(*v);
          out.vendors[*vendor] = nameAfter(line, 4);
        }
      } else if (line.size() > 4 && line.substr(0, 2) == "C ") {
        if (auto c = hexField(line.substr(2), 2)) {
          klass = static_cast<std::uint8_t>(*c);
          out.classes[*klass] = nameAfter(line, 4);
        }
      }
      continue;
    }
    if (line.size() > 1 && line[1] == '\t') continue;  // subsystems and prog-ifs
    std::string_view body = line.substr(1);
    if (vendor) {
      if (auto d = hexField(body, 4)) {
        out.devices[{*vendor, static_cast<std::uint16_t>(*d)}] = nameAfter(body, 4);
      }
    } else if (klass && !inVendor) {
      if (auto sc = hexField(body, 2)) {
        out.subclasses[{*klass, static_cast<std::uint8_t>(*sc)}] = nameAfter(body, 2);
      }
    }
  }
  return out;
}

std::optional<std::string> pnpName(std::string_view pnpIds, std::string_view id) {
  for (std::string_view line : splitLines(pnpIds)) {
    if (line.size() > id.size() + 1 && line.substr(0, id.size()) == id && line[id.size()] == '\t') {
      return trim(line.substr(id.size() + 1));
    }
  }
  return std::nullopt;
}

std::optional<std::filesystem::path> findIdsFile(const std::filesystem::path& usrShare,
                                                 const std::string& file) {
  for (const char* dir : {"hwdata", "misc"}) {
    auto p = usrShare / dir / file;
    if (pathExists(p)) return p;
  }
  return std::nullopt;
}

}  // namespace parc::agent::collectors::linux_
