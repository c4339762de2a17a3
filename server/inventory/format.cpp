#include "server/inventory/format.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <utility>

namespace parc::server::inventory {

namespace {

// Units by key suffix, as docs/inventory.md names them (the unit is in the key).
constexpr auto kUnits = std::to_array<std::pair<std::string_view, std::string_view>>({
    {"_mhz", " MHz"},
    {"_mts", " MT/s"},
    {"_mbps", " Mbit/s"},
    {"_wh", " Wh"},
    {"_celsius", " °C"},
    {"_percent", " %"},
    {"_rpm", " tr/min"},
    {"_cm", " cm"},
    {"_inches", " pouces"},
    {"_hz", " Hz"},
    {"_mv", " mV"},
    {"_v", " V"},
    {"_seconds", " s"},
    {"_hours", " h"},
    {"_bits", " bits"},
});

std::string_view unitOf(std::string_view key) {
  for (const auto& [suffix, unit] : kUnits) {
    if (key.ends_with(suffix)) return unit;
  }
  return "";
}

// One element of a list shown inline: a partition "sda1 (512 Mio)", an address
// "192.168.1.10/24", else the element's name, else its JSON.
std::string formatElement(std::string_view key, const Json& element) {
  if (!element.is_object()) return formatValue(key, element);
  auto text = [&](const char* k) {
    auto it = element.find(k);
    return it != element.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (std::string address = text("address"); !address.empty()) {
    auto prefix = element.find("prefix_length");
    if (prefix != element.end() && prefix->is_number()) {
      return address + "/" + std::to_string(prefix->get<long long>());
    }
    return address;
  }
  if (std::string name = text("name"); !name.empty()) {
    auto size = element.find("size_bytes");
    if (size != element.end() && size->is_number()) {
      return name + " (" + formatBytes(size->get<double>()) + ")";
    }
    return name;
  }
  return element.dump();
}

}  // namespace

std::string formatNumber(double value) {
  if (!std::isfinite(value)) return "—";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.2f", value);
  std::string s = buffer;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  for (char& c : s) {
    if (c == '.') c = ',';
  }
  return s;
}

std::string formatBytes(double bytes) {
  static constexpr std::array<std::string_view, 6> kNames = {" o",   " Kio", " Mio",
                                                             " Gio", " Tio", " Pio"};
  // One decimal ("15,5 Gio"); the unit is chosen after rounding, so 1023,96 Kio is "1 Mio".
  auto rounded = [](double v) { return std::round(v * 10) / 10; };
  size_t unit = 0;
  double v = bytes;
  while (std::fabs(rounded(v)) >= 1024 && unit + 1 < kNames.size()) {
    v /= 1024;
    ++unit;
  }
  return formatNumber(rounded(v)) + std::string(kNames[unit]);
}

std::string formatValue(std::string_view key, const Json& value) {
  if (value.is_null()) return "—";
  if (value.is_boolean()) return value.get<bool>() ? "oui" : "non";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer() || value.is_number_float()) {
    double v = value.get<double>();
    if (key.ends_with("_bytes")) return formatBytes(v);
    std::string text = value.is_number_float() ? formatNumber(v) : value.dump();
    return text + std::string(unitOf(key));
  }
  if (value.is_array()) {
    if (value.empty()) return "aucun";
    std::string out;
    for (const Json& element : value) {
      if (!out.empty()) out += ", ";
      out += formatElement(key, element);
    }
    return out;
  }
  return value.dump();
}

}  // namespace parc::server::inventory
